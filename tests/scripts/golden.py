#!/usr/bin/env python3
"""Golden cases (suricata-verify style): tests/golden/<case>/ holds
  input          one line: a capture path relative to the repo (pcaps/x.pcap), or gen:NAME for a
                 file that `scamgate-pcapgen cases` writes (NAME.pcap or NAME.pcapng)
  args           optional: extra `scamgate replay` arguments, one per line; without a `-c` there,
                 the case runs with tests/golden/decode-only.yaml (detection off), so decoding
                 cases do not change when the shipped signature packs or policy change
  expected.jsonl the events scamgate must print
  README.md      what the case proves and where its capture comes from
Every event is validated against tests/schema/events.schema.json, then compared with the
expected one, field by field, except `source` (the path differs between clones).
`golden.py --regenerate` rewrites expected.jsonl on purpose; review the diff before committing.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MASKED_FIELDS = ("source",)


def load_validator(schema_path: Path):
    try:
        import jsonschema
    except ImportError:
        if sys.executable != "/usr/bin/python3" and Path("/usr/bin/python3").exists():
            os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
        raise SystemExit("python jsonschema is missing: run scripts/deps test")
    schema = json.loads(schema_path.read_text())
    return jsonschema.Draft202012Validator(schema)


def resolve_input(case_dir: Path, source_dir: Path, cases_dir: Path) -> Path:
    spec = (case_dir / "input").read_text().strip()
    if spec.startswith("gen:"):
        name = spec[4:]
        for suffix in (".pcap", ".pcapng"):
            if (cases_dir / (name + suffix)).exists():
                return cases_dir / (name + suffix)
        raise SystemExit(f"{case_dir.name}: generated case {name} not found in {cases_dir}")
    return source_dir / spec


def run_case(binary: str, capture: Path, args):
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
        proc = subprocess.run([binary, "replay", "-q", "--events", out.name, *args, str(capture)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{capture}: scamgate exited {proc.returncode}: {proc.stderr}")
        return [json.loads(line) for line in Path(out.name).read_text().splitlines()]


def masked(event):
    return {k: v for k, v in event.items() if k not in MASKED_FIELDS}


def first_difference(got, want, path=""):
    if type(got) is not type(want):
        return f"{path or '.'}: got {json.dumps(got)}, want {json.dumps(want)}"
    if isinstance(got, dict):
        for key in sorted(set(got) | set(want)):
            if key not in got:
                return f"{path}.{key}: missing"
            if key not in want:
                return f"{path}.{key}: unexpected field (regenerate if it is a new contract field)"
            diff = first_difference(got[key], want[key], f"{path}.{key}")
            if diff:
                return diff
        return None
    if isinstance(got, list):
        if len(got) != len(want):
            return f"{path}: {len(got)} items, want {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            diff = first_difference(g, w, f"{path}[{i}]")
            if diff:
                return diff
        return None
    return None if got == want else f"{path}: got {json.dumps(got)}, want {json.dumps(want)}"


def main():
    regenerate = "--regenerate" in sys.argv
    positional = [a for a in sys.argv[1:] if not a.startswith("--")]
    cases_dir = Path(positional[0]) if positional else Path("/nonexistent")
    binary = os.environ["SCAMGATE_BIN"]
    source_dir = Path(os.environ.get("SCAMGATE_SOURCE_DIR", "."))
    validator = load_validator(source_dir / "tests/schema/events.schema.json")
    passed = failed = 0
    for case_dir in sorted(p for p in (source_dir / "tests/golden").iterdir() if (p / "input").exists()):
        capture = resolve_input(case_dir, source_dir, cases_dir)
        args_file = case_dir / "args"
        args = args_file.read_text().split() if args_file.exists() else []
        if "-c" not in args:
            args = ["-c", str(source_dir / "tests/golden/decode-only.yaml"), *args]
        args = [a.replace("@SOURCE@", str(source_dir)) for a in args]
        events = run_case(binary, capture, args)
        problems = [f"event {i}: schema: {e.message} at {list(e.absolute_path)}"
                    for i, event in enumerate(events) for e in validator.iter_errors(event)]
        expected_file = case_dir / "expected.jsonl"
        if regenerate and not problems:
            expected_file.write_text("".join(json.dumps(masked(e), ensure_ascii=False) + "\n" for e in events))
        want = [json.loads(l) for l in expected_file.read_text().splitlines()] if expected_file.exists() else None
        if want is None:
            problems.append("no expected.jsonl (run golden.py --regenerate)")
        elif len(events) != len(want):
            problems.append(f"{len(events)} events, want {len(want)}")
        else:
            for i, (got, exp) in enumerate(zip(events, want)):
                diff = first_difference(masked(got), exp)
                if diff:
                    problems.append(f"event {i} ({got.get('call_id', '')}): {diff}")
                    break
        if problems:
            failed += 1
            print(f"FAIL {case_dir.name}: " + "; ".join(problems[:3]))
        else:
            passed += 1
            print(f"ok   {case_dir.name}: {len(events)} events")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

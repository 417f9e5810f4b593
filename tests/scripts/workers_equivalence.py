#!/usr/bin/env python3
"""replay --workers N against --workers 1: for every capture, the set of events (JSONL lines,
sorted: the order between workers varies) and the merged `--stats json` counters must be equal
for N = 2 and 3.

Captures: pcaps/ (the project's own, one by one and joined with --join), the generated decoding cases (scamgate-pcapgen cases:
fragments, tunnels, VLANs, TCP, SCTP, ...) and two generated multi-peer captures (pcapgen bench
and bench-smpp: calls from 16 peers and SMS over 50 binds, so the shards are really used); with
--corpus, ../shared/corpus/pcaps instead (exit 77, skipped, when it is absent).

Behaviour is off in these runs (a config with `behaviour.enabled: false` and the bundled trunks):
behaviour counts across flows in one state shared by the workers, so which contact crosses a
threshold depends on the order the workers reach it (docs/architecture.md, "Decision state across
workers"). test_behaviour_captures.sh checks behaviour with 1 and 2 workers on captures where each
pattern travels on one IP pair.

No counter is excluded from the comparison: the reader replays the workers' housekeeping
schedule (app/sharded_pipeline.cpp), so even timeouts and capture-end times agree; per-worker
table bounds (calls.max_active, ...) could differ only when a table fills, which no capture here
does.

The one documented limit (docs/architecture.md, "Threads"): packets are sharded by their
outermost IP pair, so a dialog whose Call-ID travels over more than one IP pair (a proxy captured
on both legs) is tracked per worker, one call per leg. Those captures are found independently with
tshark (a Call-ID seen between two different address pairs), printed, and checked for what still
holds: the same Call-IDs in the events and the same packet-level counters.

The test fails when no capture was spread over two workers or more (it would prove nothing).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tshark_oracle import TSHARK_OPTIONS  # noqa: E402  (the per-file tshark dissector hints)

# SCAMGATE_WORKER_COUNTS=2 (the sanitizer pass, tests/CMakeLists.txt): only 2 against 1. The
# sanitizer looks for memory errors, which 2 workers reach as 3 do; the release pass compares both.
WORKER_COUNTS = tuple(int(n) for n in os.environ.get("SCAMGATE_WORKER_COUNTS", "2,3").split(","))
# Counters that do not depend on which worker holds a dialog (checked for captures whose dialogs
# cross IP pairs, where call and detection counters legitimately differ).
PACKET_COUNTERS = ("packets", "bytes", "decode.errors", "ipv4.packets", "ipv6.packets", "udp.datagrams",
                   "tcp.segments", "sctp.packets", "ip.fragments", "ip.reassembled", "sip.messages",
                   "sip.requests", "sip.responses", "smpp.pdus", "capture.files")

SCAMGATE = os.environ.get("SCAMGATE_BIN", "build/scamgate")
SOURCE = Path(os.environ.get("SCAMGATE_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def no_behaviour_config(work: Path) -> Path:
    """The bundled configuration's trunks with behaviour off (the other keys keep their defaults)."""
    bundled = (SOURCE / "config" / "scamgate.yaml").read_text()
    trunks = bundled[bundled.index("\ntrunks:") + 1:]
    path = work / "no-behaviour.yaml"
    path.write_text("behaviour:\n  enabled: false\n" + trunks)
    return path


def replay(capture: Path, workers: int, work: Path):
    """Events (sorted lines), stats and the packets each worker got, for one run. A folder is
    replayed with --join: its files as one capture, so begin/end markers and the clock cross files."""
    events = work / f"events-{workers}.jsonl"
    join = ["--join"] if capture.is_dir() else []
    run = subprocess.run([SCAMGATE, "replay", "-v", "-c", str(no_behaviour_config(work)), *join, "--workers",
                          str(workers), "--events", str(events), "--stats", "json", str(capture)],
                         capture_output=True, text=True)
    # 1: an input the reader refused (the same for every N). A sanitizer build may also exit 1,
    # so its reports are looked for by name.
    if run.returncode not in (0, 1) or "Sanitizer" in run.stderr or "runtime error:" in run.stderr:
        raise SystemExit(f"FAIL: {capture.name} --workers {workers}: exit {run.returncode}\n{run.stderr}")
    stats = json.loads(run.stdout.splitlines()[-1])
    spread = [int(n) for n in re.findall(r"replay worker \d+ of \d+: (\d+) packets", run.stderr)]
    if workers > 1 and len(spread) != workers:
        raise SystemExit(f"FAIL: {capture.name} --workers {workers}: no per-worker packet counts in the -v log")
    return sorted(events.read_text().splitlines()), stats, run.returncode, spread


def call_ids_over_several_pairs(capture: Path):
    """Call-IDs that tshark sees between more than one (outermost) IP address pair."""
    fields = ["-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "sip.Call-ID"]
    run = subprocess.run(["tshark", "-n", "-r", str(capture), *TSHARK_OPTIONS.get(capture.name, []), "-Y", "sip",
                          "-T", "fields", "-E", "occurrence=f", *fields], capture_output=True, text=True)
    pairs = defaultdict(set)
    for line in run.stdout.splitlines():
        src4, dst4, src6, dst6, call_id = (line.split("\t") + [""] * 5)[:5]
        src, dst = (src4, dst4) if src4 else (src6, dst6)
        if call_id and src:
            pairs[call_id].add(frozenset((src, dst)))
    return sorted(cid for cid, seen in pairs.items() if len(seen) > 1)


def event_call_ids(lines):
    return sorted({json.loads(line).get("call_id", "") for line in lines})


def compare(capture: Path, work: Path, results):
    base_events, base_stats, base_code, _ = replay(capture, 1, work)
    crossing = None
    for workers in WORKER_COUNTS:
        events, stats, code, spread = replay(capture, workers, work)
        if sum(1 for n in spread if n > 0) > 1:
            results["spread"] += 1
        if code != base_code:
            results["failures"].append(f"{capture.name}: exit {code} with --workers {workers}, {base_code} with 1")
        if events == base_events and stats == base_stats:
            continue
        if crossing is None:
            crossing = [] if capture.is_dir() else call_ids_over_several_pairs(capture)
        if not crossing:
            diff_keys = sorted(k for k in set(stats) | set(base_stats) if stats.get(k) != base_stats.get(k))
            results["failures"].append(
                f"{capture.name} --workers {workers}: {len(events)} events vs {len(base_events)}, "
                f"events {'equal' if events == base_events else 'differ'}, counters differ: {diff_keys}")
            continue
        # The documented limit: check what still holds.
        print(f"LIMIT: {capture.name} --workers {workers}: Call-IDs over several IP pairs {crossing[:3]}"
              f"{' ...' if len(crossing) > 3 else ''}: {len(events)} events vs {len(base_events)}")
        results["limited"].add(capture.name)
        if event_call_ids(events) != event_call_ids(base_events):
            results["failures"].append(f"{capture.name} --workers {workers}: the events' Call-IDs differ")
        for key in PACKET_COUNTERS:
            if stats.get(key) != base_stats.get(key):
                results["failures"].append(f"{capture.name} --workers {workers}: {key} {stats.get(key)} "
                                           f"vs {base_stats.get(key)}")


def captures(args, work: Path):
    if "--corpus" in args:
        corpus = Path(os.environ.get("SCAMGATE_CORPUS_DIR") or os.environ.get("SCAMGATE_CORPUS_DEFAULT")
                      or "../shared/corpus") / "pcaps"
        if not corpus.is_dir():
            print(f"SKIP: {corpus} is absent (a user's clone does not have ../shared)")
            sys.exit(77)
        return sorted(corpus.glob("*"))
    files = sorted(p for p in Path("pcaps").iterdir() if p.suffix in (".pcap", ".pcapng", ".cap"))
    pcapgen = os.environ["PCAPGEN_BIN"]
    cases = work / "cases"
    cases.mkdir()
    subprocess.run([pcapgen, "cases", str(cases)], check=True, capture_output=True)
    files += sorted(cases.glob("*.pcap*"))
    subprocess.run([pcapgen, "bench", "--messages", "20000", "--out", str(work / "bench-sip.pcap")],
                   check=True, capture_output=True)
    subprocess.run([pcapgen, "bench-smpp", "--pdus", "5000", "--out", str(work / "bench-smpp.pcap")],
                   check=True, capture_output=True)
    # And pcaps/ as one joined capture (--join): per-file markers and the clock across files.
    return files + [work / "bench-sip.pcap", work / "bench-smpp.pcap", Path("pcaps")]


def main():
    results = {"failures": [], "limited": set(), "spread": 0}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = captures(sys.argv[1:], work)
        for capture in files:
            compare(capture, work, results)
    for failure in results["failures"]:
        print(f"FAIL: {failure}")
    if results["spread"] == 0:
        print("FAIL: no capture was spread over two workers or more: the comparison proved nothing")
        return 1
    print(f"{len(files)} captures, --workers {' and '.join(map(str, WORKER_COUNTS))} against 1: "
          f"{results['spread']} runs spread over several workers; "
          f"{len(results['limited'])} with dialogs over several IP pairs (the documented limit): "
          f"{', '.join(sorted(results['limited'])) or 'none'}")
    return 1 if results["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

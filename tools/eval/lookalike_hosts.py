#!/usr/bin/env python3
"""How many hosts of the corpus's phishing and legitimate host lists scamgate flags.

Each host of CORPUS/sms/vn_phishing_domains_chongluadao.part-A.txt (phishing) and
CORPUS/sms/vn_legit_domains_chongluadao_whitelist.part-A.txt (legitimate) becomes one SMS text
"http://HOST/", run through `scamgate try --sms-lines` with the bundled config and policy (or -c).
Reported per list:

  look-alike  url.brand_lookalike or url.brand_homoglyph fired
  flagged     the policy's action is tag, drop or reject (the tag band and above)
  blocked     the policy's action is drop or reject
  alerted     any action but allow

and, with --without-lookalike, the same with lists.protected_brands turned off, to show what the
look-alike checks add. Hosts are never printed unless --show asks for them (on stderr, for local
analysis; never paste them into docs, examples or the registry).

These lists are the corpus's part A: figures on them are in-sample for anyone who has looked at
the lists while writing the registry. Python 3 standard library only.

Environment: SCAMGATE_BIN (default build/scamgate), SCAMGATE_CORPUS_DIR (default ../shared/corpus).
Exit status: 0, 77 when the lists are absent, 1 when scamgate fails, 2 for a bad command line.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

FLAGGED = ("tag", "drop", "reject")

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
LISTS = [("phishing", "vn_phishing_domains_chongluadao.part-A.txt"),
         ("legitimate", "vn_legit_domains_chongluadao_whitelist.part-A.txt")]
LOOKALIKE = ("url.brand_lookalike", "url.brand_homoglyph")


def run(binary, config, hosts, extra_config=None):
    with tempfile.TemporaryDirectory() as tmp:
        lines = os.path.join(tmp, "lines.txt")
        with open(lines, "w", encoding="utf-8") as f:
            for h in hosts:
                f.write(f"http://{h}/\n")
        cmd = [binary, "try", "--sms-lines", lines]
        if extra_config is not None:
            cfg = os.path.join(tmp, "config.yaml")
            with open(cfg, "w", encoding="utf-8") as f:
                f.write(extra_config)
            cmd += ["-c", cfg]
        elif config:
            cmd += ["-c", config]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            sys.exit(1)
        rows = [json.loads(line) for line in out.stdout.splitlines()]
    if len(rows) != len(hosts):
        sys.exit(f"scamgate gave {len(rows)} results for {len(hosts)} hosts")
    return rows


def counts(rows):
    return {
        "look-alike": sum(1 for r in rows if any(c in LOOKALIKE for c in r["checks"])),
        "flagged": sum(1 for r in rows if r["action"] in FLAGGED),
        "blocked": sum(1 for r in rows if r["action"] in ("drop", "reject")),
        "alerted": sum(1 for r in rows if r["action"] != "allow"),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-c", "--config", help="scamgate config (default: the bundled one)")
    p.add_argument("--without-lookalike", action="store_true", help="also run with lists.protected_brands off")
    p.add_argument("--show", choices=["fp", "fn"], help="print flagged legitimate (fp) or unflagged phishing (fn) hosts on stderr")
    args = p.parse_args()
    binary = os.environ.get("SCAMGATE_BIN", os.path.join(REPO, "build", "scamgate"))
    corpus = os.environ.get("SCAMGATE_CORPUS_DIR", os.path.join(REPO, "..", "shared", "corpus"))
    found = [(name, os.path.join(corpus, "sms", f)) for name, f in LISTS if os.path.exists(os.path.join(corpus, "sms", f))]
    if len(found) != len(LISTS):
        print("SKIP: the host lists are not in", os.path.join(corpus, "sms"))
        return 77
    print("| list | hosts | run | look-alike | flagged (tag, drop, reject) | blocked (drop, reject) | alerted and up |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, path in found:
        with open(path, encoding="utf-8", errors="replace") as f:
            hosts = [h.strip().lower() for h in f if h.strip() and not h.startswith("#")]
        runs = [("with look-alike checks", run(binary, args.config, hosts))]
        if args.without_lookalike:
            off = "lists:\n  protected_brands: \"\"\n"
            if args.config:
                sys.exit("--without-lookalike uses the bundled config; do not combine it with -c")
            runs.append(("protected_brands off", run(binary, None, hosts, off)))
        for label, rows in runs:
            c = counts(rows)
            n = len(rows)
            cells = " | ".join(f"{c[k]} ({100 * c[k] / n:.2f}%)" for k in ("look-alike", "flagged", "blocked", "alerted"))
            print(f"| {name} | {n} | {label} | {cells} |")
        if args.show:
            rows = runs[0][1]
            want_flagged = args.show == "fp"
            if (name == "legitimate") == want_flagged:
                for h, r in zip(hosts, rows):
                    if (r["action"] in FLAGGED) == want_flagged:
                        detail = "; ".join(d["evidence"] for d in r.get("check_details", []))
                        print(f"{name}: {h} score {r['score']} {detail}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Detection quality of scamgate on the labelled SMS sets of the third-party corpus.

Runs every labelled set in CORPUS/sms through `scamgate try --sms-lines` (the shipped packs, the
bundled config and policy) and reports, per set, at two operating points:

  flagged  score >= 40 (the policy's tag band and above)
  blocked  the policy's action is drop or reject (score >= 70, or a blocking check / list)

counts (TP, FP, FN, TN), precision, recall, false-positive rate and F1, plus the signatures that
take part in the most false positives (ids and names only: corpus texts are never printed unless
--show asks for them, for local analysis; never paste them into docs or examples).

Python 3 standard library only.

Environment:
  SCAMGATE_BIN         the scamgate binary (default: build/scamgate in the repository)
  SCAMGATE_CORPUS_DIR  the corpus folder holding sms/ (default: ../shared/corpus next to the repo)

Exit status: 0 on success, 77 when the corpus (or every set in it) is absent, 1 when scamgate
fails or its output does not line up with the input, 2 for a bad command line.
"""

import argparse
import collections
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FLAG_SCORE = 40
BLOCK_ACTIONS = ("drop", "reject")

# name, file, reader, note
SETS = [
    ("uci", "uci_SMSSpamCollection.part-A.tsv", "uci",
     "English SMS (UCI SMS Spam Collection): ham is personal SMS, spam is mostly UK premium-rate/prize spam"),
    ("ie403", "vi_ie403_smishing.part-A.csv", "ie403",
     "Vietnamese SMS (IE403): legit is real carrier/bank/OTP/personal SMS, positives are smishing"),
    ("ankhanh", "vi_ankhanh_spam.part-A.csv", "ankhanh",
     "Vietnamese spam SMS vs. ham that is social-media comments, NOT SMS (false-positive rate is "
     "not an SMS ham rate)"),
]


def flatten(text):
    """One message per line: every line break (and other line/paragraph separator) becomes a space."""
    for sep in ("\r\n", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"):
        text = text.replace(sep, " ")
    return text


def read_uci(path):
    rows = []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            label, sep, text = line.partition("\t")
            if not sep or label not in ("ham", "spam"):
                raise ValueError(f"{path}:{n}: expected 'ham|spam<TAB>text'")
            rows.append((label == "spam", text))
    return rows


def read_csv(path, text_col, label_col):
    rows = []
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.DictReader(f)
        missing = {text_col, label_col} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}; have {reader.fieldnames}")
        for n, row in enumerate(reader, 2):
            label = (row[label_col] or "").strip()
            if label not in ("0", "1"):
                raise ValueError(f"{path}: row {n}: label {label!r} is not 0 or 1")
            rows.append((label == "1", row[text_col] or ""))
    return rows


READERS = {
    "uci": read_uci,
    "ie403": lambda p: read_csv(p, "content", "label"),
    "ankhanh": lambda p: read_csv(p, "text", "spam"),
}


def run_scamgate(binary, texts, config=None, extra_args=()):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as tmp:
        for t in texts:
            tmp.write(flatten(t) + "\n")
        name = tmp.name
    try:
        cmd = [binary, "try", "-q", "--sms-lines", name, *extra_args]
        if config:
            cmd[2:2] = ["-c", config]
        proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    finally:
        os.unlink(name)
    if proc.returncode != 0:
        sys.exit(f"evaluate: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()[:2000]}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(results) != len(texts):
        sys.exit(f"evaluate: scamgate gave {len(results)} results for {len(texts)} messages")
    return results


def ratio(a, b):
    return a / b if b else float("nan")


def metrics(labels, predicted):
    tp = sum(1 for y, p in zip(labels, predicted) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted) if y and not p)
    tn = sum(1 for y, p in zip(labels, predicted) if not y and not p)
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    f1 = ratio(2 * precision * recall, precision + recall) if tp else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "fpr": ratio(fp, fp + tn), "f1": f1}


def is_flagged(r):
    return r.get("score", 0) >= FLAG_SCORE


def is_blocked(r):
    return r.get("action") in BLOCK_ACTIONS


def evaluate_set(name, rows, results, top):
    labels = [y for y, _ in rows]
    names = {}
    for r in results:
        for h in r.get("hit_details", []):
            names[h["id"]] = h.get("name", "")
    fp_flag = collections.Counter()   # signature -> flagged ham it took part in
    fp_block = collections.Counter()  # signature -> blocked ham it took part in
    ham_hits = collections.Counter()  # signature -> ham messages it hit (any score)
    spam_hits = collections.Counter()
    fp_checks = collections.Counter()
    for (y, _), r in zip(rows, results):
        ids = set(r.get("hits", []))
        (spam_hits if y else ham_hits).update(ids)
        if not y and is_flagged(r):
            fp_flag.update(ids)
            fp_checks.update(r.get("checks", []))
        if not y and is_blocked(r):
            fp_block.update(ids)
    report = {
        "set": name,
        "messages": len(rows),
        "positives": sum(labels),
        "negatives": len(labels) - sum(labels),
        "flagged": metrics(labels, [is_flagged(r) for r in results]),
        "blocked": metrics(labels, [is_blocked(r) for r in results]),
        "any_hit": metrics(labels, [bool(r.get("hits")) or bool(r.get("checks")) for r in results]),
        "top_false_positive_signatures": [
            {"id": sid, "name": names.get(sid, ""), "flagged_ham": n, "blocked_ham": fp_block[sid],
             "ham_hits": ham_hits[sid], "spam_hits": spam_hits[sid]}
            for sid, n in fp_flag.most_common(top)],
        "false_positive_checks": dict(fp_checks.most_common()),
        "signature_hits": {str(sid): {"name": names.get(sid, ""), "ham": ham_hits[sid], "spam": spam_hits[sid]}
                           for sid in sorted(set(ham_hits) | set(spam_hits))},
    }
    return report


def pct(x):
    return "n/a" if x != x else f"{100 * x:.1f}%"


def print_text(reports, notes, out):
    for rep in reports:
        out.write(f"\n== {rep['set']}: {rep['messages']} messages, {rep['positives']} scam/spam, "
                  f"{rep['negatives']} legitimate\n   {notes[rep['set']]}\n")
        out.write(f"   {'point':<8} {'TP':>5} {'FP':>5} {'FN':>5} {'TN':>6} {'precision':>9} {'recall':>7} "
                  f"{'FPR':>6} {'F1':>6}\n")
        for point in ("flagged", "blocked", "any_hit"):
            m = rep[point]
            out.write(f"   {point:<8} {m['tp']:>5} {m['fp']:>5} {m['fn']:>5} {m['tn']:>6} {pct(m['precision']):>9} "
                      f"{pct(m['recall']):>7} {pct(m['fpr']):>6} {pct(m['f1']):>6}\n")
        if rep["top_false_positive_signatures"]:
            out.write("   signatures in flagged legitimate messages (id, flagged, blocked, ham hits, spam hits, name):\n")
            for s in rep["top_false_positive_signatures"]:
                out.write(f"     {s['id']}  {s['flagged_ham']:>3} {s['blocked_ham']:>3} {s['ham_hits']:>4} "
                          f"{s['spam_hits']:>4}  {s['name']}\n")
        if rep["false_positive_checks"]:
            out.write(f"   checks in flagged legitimate messages: {rep['false_positive_checks']}\n")


def print_markdown(reports, notes, out):
    out.write("| set | messages (scam / legit) | point | TP | FP | FN | TN | precision | recall | FPR | F1 |\n")
    out.write("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for rep in reports:
        for point in ("flagged", "blocked"):
            m = rep[point]
            out.write(f"| `{rep['set']}` | {rep['messages']} ({rep['positives']} / {rep['negatives']}) | {point} | "
                      f"{m['tp']} | {m['fp']} | {m['fn']} | {m['tn']} | {pct(m['precision'])} | {pct(m['recall'])} | "
                      f"{pct(m['fpr'])} | {pct(m['f1'])} |\n")
    for rep in reports:
        if not rep["top_false_positive_signatures"]:
            continue
        out.write(f"\nTop signatures in flagged legitimate messages, `{rep['set']}`:\n\n")
        out.write("| id | name | flagged legit | blocked legit |\n|---:|---|---:|---:|\n")
        for s in rep["top_false_positive_signatures"]:
            out.write(f"| {s['id']} | {s['name']} | {s['flagged_ham']} | {s['blocked_ham']} |\n")


def show_messages(name, rows, results, what, out):
    """Local analysis only: prints corpus texts. Never commit this output."""
    for i, ((y, text), r) in enumerate(zip(rows, results)):
        fp = not y and is_flagged(r)
        fn = y and not is_flagged(r)
        if (what == "fp" and fp) or (what == "fn" and fn) or what == "all":
            out.write(f"[{name} #{i} {'scam' if y else 'legit'} score={r['score']} action={r.get('action')} "
                      f"hits={r.get('hits')} checks={r.get('checks')}] {flatten(text)}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("SCAMGATE_BIN", os.path.join(REPO, "build", "scamgate")),
                    help="scamgate binary (env SCAMGATE_BIN; default build/scamgate)")
    ap.add_argument("--corpus", default=os.environ.get("SCAMGATE_CORPUS_DIR", os.path.join(REPO, "..", "shared", "corpus")),
                    help="corpus folder holding sms/ (env SCAMGATE_CORPUS_DIR; default ../shared/corpus)")
    ap.add_argument("-c", "--config", help="scamgate configuration (default: the bundled one)")
    ap.add_argument("--set", action="append", choices=[s[0] for s in SETS], help="only these sets (repeatable)")
    ap.add_argument("--top", type=int, default=10, help="signatures listed per set (default 10)")
    ap.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    ap.add_argument("--show", choices=("fp", "fn", "all"),
                    help="also print the texts of false positives / misses at the flag point (local analysis "
                         "only: never paste corpus texts into docs or signature examples)")
    args = ap.parse_args()

    sms_dir = os.path.join(args.corpus, "sms")
    if not os.path.isdir(sms_dir):
        print(f"evaluate: SKIP: no labelled SMS corpus at {sms_dir} (set SCAMGATE_CORPUS_DIR)", file=sys.stderr)
        return 77
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        print(f"evaluate: no scamgate binary at {args.bin} (build it, or set SCAMGATE_BIN)", file=sys.stderr)
        return 2

    reports, notes = [], {}
    for name, filename, reader, note in SETS:
        if args.set and name not in args.set:
            continue
        path = os.path.join(sms_dir, filename)
        if not os.path.isfile(path):
            print(f"evaluate: SKIP {name}: {path} is absent", file=sys.stderr)
            continue
        rows = READERS[reader](path)
        results = run_scamgate(args.bin, [t for _, t in rows], args.config)
        rep = evaluate_set(name, rows, results, args.top)
        rep["file"] = filename
        rep["note"] = note
        notes[name] = note
        reports.append(rep)
        if args.show:
            show_messages(name, rows, results, args.show, sys.stderr)
    if not reports:
        print(f"evaluate: SKIP: none of the labelled sets is in {sms_dir}", file=sys.stderr)
        return 77

    header = (f"scamgate detection evaluation, {datetime.date.today().isoformat()}, {platform.node()} "
              f"({platform.machine()}, {os.cpu_count()} CPUs), binary {args.bin}; flagged = score >= {FLAG_SCORE}, "
              f"blocked = action in {BLOCK_ACTIONS}")
    if args.format == "json":
        json.dump({"header": header, "sets": reports}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "markdown":
        sys.stdout.write(f"<!-- {header} -->\n\n")
        print_markdown(reports, notes, sys.stdout)
    else:
        sys.stdout.write(header + "\n")
        print_text(reports, notes, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Proves that a change to detection (src/detect, src/text, src/lists) changes no outcome: runs two
# builds of detect_outcomes (bench/detect_outcomes.cpp) over the same SMS texts and compares their
# outputs byte for byte (features, hits, checks, lists, evidence, scores, probabilities to the last
# bit). The texts: every message of the labelled corpus sets (CORPUS/sms, read as tools/eval/evaluate.py
# reads them; never copied into the project) and the invented training texts in tools/train/texts.
# Usage: bench/detect-outcomes.sh OLD_DETECT_OUTCOMES NEW_DETECT_OUTCOMES
#   Build the old one from the commit before the change (or keep a copy of its binary).
# Environment: SCAMGATE_CORPUS_DIR (default ../shared/corpus next to the repository).
# Exit status: 0 identical, 1 different (the first differing lines are shown), 77 when the corpus
# is absent (the comparison is then skipped, not passed), 2 for a bad command line.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -ne 2 ]]; then
  echo "usage: $0 OLD_DETECT_OUTCOMES NEW_DETECT_OUTCOMES" >&2
  exit 2
fi
old=$1 new=$2
corpus=${SCAMGATE_CORPUS_DIR:-../shared/corpus}
if ! ls "$corpus"/sms/uci_*.tsv "$corpus"/sms/vi_*.csv >/dev/null 2>&1; then
  echo "SKIP: no labelled corpus sets under $corpus/sms"
  exit 77
fi
export SCAMGATE_SOURCE_DIR=$PWD  # both builds read this checkout's config and packs
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# One text per line, line breaks flattened to spaces, as tools/eval/evaluate.py feeds them.
read -r corpus_count train_count < <(python3 - "$corpus/sms" tools/train/texts "$work/texts.txt" <<'EOF'
import csv, glob, os, sys
sms_dir, train_dir, out = sys.argv[1:]
texts = []
for path in sorted(glob.glob(os.path.join(sms_dir, "uci_*.tsv"))):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        texts += [line.rstrip("\r\n").partition("\t")[2] for line in f if line.strip()]
for pattern, column in (("vi_ie403_*.csv", "content"), ("vi_ankhanh_*.csv", "text")):
    for path in sorted(glob.glob(os.path.join(sms_dir, pattern))):
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            texts += [row[column] or "" for row in csv.DictReader(f)]
corpus_count = len(texts)
for path in sorted(glob.glob(os.path.join(train_dir, "*.tsv"))):
    with open(path, encoding="utf-8") as f:
        texts += [line.rstrip("\n").partition("\t")[2] for line in f if line.strip() and not line.startswith("#")]
def flatten(t):
    for sep in ("\r\n", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"):
        t = t.replace(sep, " ")
    return t
with open(out, "w", encoding="utf-8") as f:
    f.writelines(flatten(t) + "\n" for t in texts)
print(corpus_count, len(texts) - corpus_count)
EOF
)
# Made-up texts that reach the corners the corpus does not: invalid UTF-8, controls, look-alike
# letters, decomposed accents, disguised dots and leetspeak, digit groups, upper case. Seeded: the
# same on every run.
python3 - "$work/texts.txt" <<'EOF'
import random, sys
pieces = [b"Tai khoan", b"VCB", b"vcb-secure.top", b"https://", b"hxxp://", b"www.", b"[.]", b" . ", b"(dot)",
          b"stk", b"tk:", b"0912 345 678", b"+84 98-765-4321", b"0071001234567", b"10.000.000d", b"12.05.2024",
          b"192.168.1.1", b"/path?q=1", b"t4i kh0an", b"v.c.b", b"c o n g a n", b"kh..oa", b"!!", b"@", b"$",
          "Khóa".encode(), "Kho\u0301a".encode(), "Vіеtсоmbаnk".encode(), "đ".encode(), "ĐẶNG".encode(),
          "привет".encode(), "\u200b".encode(), "\u00a0".encode(), "。".encode(), "€50".encode(), "£".encode(),
          "😀".encode(), "한국".encode(), b"\xff", b"\xc3", b"\xe0\x80", b"\x01", b"\t", b"\x7f", b"  ",
          b"OTP", b"123456", b"Call", b"09", b"-", b".", b",", b"(", b")", b"GOV.VN", b"shopee.vn", b"bit.ly/3xKq9Z"]
rng = random.Random(20261205)
with open(sys.argv[1], "ab") as f:
    for _ in range(3000):
        line = b"".join(rng.choice(pieces) + (b" " if rng.random() < 0.6 else b"") for _ in range(rng.randint(1, 30)))
        f.write(line.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n")
EOF
counts="$corpus_count corpus texts + $train_count training texts + 3000 made-up texts"

"$old" "$work/texts.txt" >"$work/old.out"
"$new" "$work/texts.txt" >"$work/new.out"
assessments=$(wc -l <"$work/new.out")
if cmp -s "$work/old.out" "$work/new.out"; then
  echo "identical: $counts, $assessments assessments (3 senders each)"
  exit 0
fi
echo "DIFFERENT outcomes ($counts, $assessments assessments):"
diff "$work/old.out" "$work/new.out" | head -20
exit 1

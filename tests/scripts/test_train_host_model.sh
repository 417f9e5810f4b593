#!/usr/bin/env bash
# The shipped URL host model is reproducible from the repository: tools/train/train-host-model, run
# again on the same inputs (the corpus's host lists part A, the protected brands' domains,
# tools/train/hosts), writes a byte-identical file whose header records what it was trained on.
# Skips (77) without the corpus.
set -uo pipefail
src=${SCAMGATE_SOURCE_DIR:?}
bin=${SCAMGATE_BIN:?}
export SCAMGATE_TRAIN_BIN=${SCAMGATE_TRAIN_BIN:?}
corpus=${SCAMGATE_CORPUS_DIR:-${SCAMGATE_CORPUS_DEFAULT:-$src/../shared/corpus}}
if [ ! -f "$corpus/sms/vn_phishing_domains_chongluadao.part-A.txt" ]; then
  echo "SKIP: no host lists at $corpus/sms (the host model trains on their part A)"; exit 77
fi
export SCAMGATE_CORPUS_DIR=$corpus
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fails=0 passes=0
check() {
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); echo "ok   $what"; else fails=$((fails + 1)); echo "FAIL $what"; fi
}
shipped=$src/signatures/models/url-host.model
header() { sed -n "s/^$1: //p" "$2" | head -1; }

python3 "$src/tools/train/train-host-model" -o "$work/a.model" 2>"$work/train.log"
check "train-host-model exits 0" [ $? -eq 0 ]
check "the retrained host model is byte-identical to the shipped one" cmp -s "$work/a.model" "$shipped"
check "the header says kind url_host" [ "$(header kind "$shipped")" = "url_host" ]
check "the header records the training data's sha256" [ "$(header training_sha256 "$work/a.model")" = "$(header training_sha256 "$shipped")" ]
check "the header names the trainer and its settings" grep -aq "^trainer: scamgate-train liblinear .* L2R_LR C=4 positive_weight=0.0" "$shipped"

python3 "$src/tools/train/train-host-model" --folds 5 --exclude-fold 0 -o "$work/fold0.model" 2>/dev/null
check "a fold model differs" bash -c "! cmp -s '$work/fold0.model' '$shipped'"
check "a fold model trained on fewer rows" [ "$(header training_rows "$work/fold0.model")" -lt "$(header training_rows "$shipped")" ]
check "a fold model loads in scamgate as --host-model" bash -c "'$bin' try --sms 'http://example.com/' --host-model '$work/fold0.model' --json | grep -q '\"name\":\"url-host-cv5-fold0\"'"
out=$("$bin" check --model "$shipped" 2>&1)
check "the host model given as a text model is a FILE-level error" grep -q "url-host.model: kind: url_host where a model of kind sms_text is needed" <<<"$out"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# The shipped model is reproducible from the repository: tools/train/train-model, run again on the
# same inputs (corpus part A, tools/train/texts, the signature examples), writes a byte-identical
# file, and the file's header records what it was trained on. Skips (77) without the corpus.
set -uo pipefail
src=${SCAMGATE_SOURCE_DIR:?}
bin=${SCAMGATE_BIN:?}
export SCAMGATE_TRAIN_BIN=${SCAMGATE_TRAIN_BIN:?}
corpus=${SCAMGATE_CORPUS_DIR:-${SCAMGATE_CORPUS_DEFAULT:-$src/../shared/corpus}}
if [ ! -d "$corpus/sms" ]; then echo "SKIP: no corpus at $corpus/sms (the model trains on its part A)"; exit 77; fi
export SCAMGATE_CORPUS_DIR=$corpus
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fails=0 passes=0
check() {
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); echo "ok   $what"; else fails=$((fails + 1)); echo "FAIL $what"; fi
}
shipped=$src/signatures/models/sms-text.model

python3 "$src/tools/train/train-model" -o "$work/a.model" 2>"$work/train.log"
check "train-model exits 0" [ $? -eq 0 ]
check "the retrained model is byte-identical to the shipped one" cmp -s "$work/a.model" "$shipped"
header() { sed -n "s/^$1: //p" "$2" | head -1; }
check "the header records the training data's sha256" [ "$(header training_sha256 "$work/a.model")" = "$(header training_sha256 "$shipped")" ]
check "the header names the trainer and its settings" grep -q "^trainer: scamgate-train liblinear .* L2R_LR C=4" "$shipped"

# A cross-validation fold leaves rows out: a different model, with fewer rows.
python3 "$src/tools/train/train-model" --folds 5 --exclude-fold 0 -o "$work/fold0.model" 2>/dev/null
check "a fold model differs" bash -c "! cmp -s '$work/fold0.model' '$shipped'"
check "a fold model trained on fewer rows" [ "$(header training_rows "$work/fold0.model")" -lt "$(header training_rows "$shipped")" ]
check "a fold model loads in scamgate" bash -c "'$bin' try --sms 'xin chao' --model '$work/fold0.model' --score-model none --json | grep -q '\"name\":\"sms-text-cv5-fold0\"'"
out=$("$bin" try --sms 'xin chao' --model "$work/fold0.model" 2>&1); code=$?
check "the shipped score model refuses a fold model: exit 2" [ "$code" -eq 2 ]
check "the shipped score model refuses a fold model: names both files" \
    grep -q "sms-score.yaml: fitted against text model 'sms-text'.*which detection.model does not load" <<<"$out"

# The score model refits byte-identical from the repository (cross-validation folds included).
python3 "$src/tools/train/fit-score" -o "$work/score.yaml" 2>/dev/null
check "fit-score reproduces the shipped score model" cmp "$work/score.yaml" "$src/signatures/models/sms-score.yaml"
check "the score model names the shipped text model's checksum" \
    grep -q "weights_sha256: $(header weights_sha256 "$shipped")}" "$src/signatures/models/sms-score.yaml"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]

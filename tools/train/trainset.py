"""Training rows and cross-validation folds of scamgate's SMS text model (tools/train/train-model,
tools/eval/cross-validate). Python 3 standard library only."""

import hashlib
import os
import sys
import unicodedata

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "eval"))
import evaluate  # noqa: E402  (the corpus readers, one definition)


def group_key(text):
    """Near-duplicate key: letters without accents, digits as 0, first 40 characters."""
    folded = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    out = []
    for ch in folded:
        if unicodedata.category(ch) == "Mn":
            continue
        if ch.isdigit():
            ch = "0"
        if ch.isalnum():
            out.append(ch)
        if len(out) >= 40:
            break
    return "".join(out)


def fold_of_groups(rows, folds, seed):
    """{group key: fold}: groups ordered by a seeded hash, dealt round-robin per label."""
    label_of = {}
    for label, text in rows:
        key = group_key(text)
        label_of[key] = max(label_of.get(key, 0), int(label))  # a group with any scam counts as scam
    order = sorted(label_of, key=lambda k: hashlib.sha256(f"{seed}:{k}".encode()).hexdigest())
    assignment, dealt = {}, {0: 0, 1: 0}
    for key in order:
        label = label_of[key]
        assignment[key] = dealt[label] % folds
        dealt[label] += 1
    return assignment


def corpus_rows(corpus_dir):
    """[(set name, [(label, text)])] for every labelled set present in part A."""
    sets = []
    for name, filename, reader, _note in evaluate.SETS:
        path = os.path.join(corpus_dir, "sms", filename)
        if os.path.exists(path):
            sets.append((name, evaluate.READERS[reader](path)))
    return sets


def project_rows():
    rows = []
    folder = os.path.join(REPO, "tools", "train", "texts")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tsv"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                label, sep, text = line.partition("\t")
                if not sep or label not in ("0", "1"):
                    sys.exit(f"train-model: {name}:{n}: expected 'LABEL<TAB>TEXT' with LABEL 0 or 1")
                rows.append((label == "1", text))
    rows.extend(bare_link_rows())
    return rows


def bare_link_rows():
    """A message that is only a link to a well-known legitimate site (tools/train/hosts/legit-hosts.txt,
    written by the project), label 0: without them the corpus teaches that a bare link is a scam
    (legitimate SMS in it rarely consist of a link alone), and the text model then flags any bare
    link whatever its host. What the host says is the URL host model's job."""
    rows = []
    with open(os.path.join(REPO, "tools", "train", "hosts", "legit-hosts.txt"), encoding="utf-8") as f:
        for line in f:
            host = line.split("#", 1)[0].strip()
            if host:
                rows.append((False, f"http://{host}/"))
    return rows


def training_rows(corpus_dir, folds, exclude_fold, seed, without=()):
    """Rows of every corpus set (less fold exclude_fold when folds > 0) and the project's texts.
    `without` names sets to leave out ("ankhanh-ham": only that set's legitimate rows)."""
    rows = []
    for name, set_rows in corpus_rows(corpus_dir):
        if name in without:
            continue
        assignment = fold_of_groups(set_rows, folds, seed) if folds else {}
        for label, text in set_rows:
            if folds and assignment[group_key(text)] == exclude_fold:
                continue
            if not label and f"{name}-ham" in without:
                continue
            rows.append((label, text))
    rows.extend(project_rows())
    return rows

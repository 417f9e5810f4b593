"""Fits scamgate's calibrated SMS score (src/detect/score_model.h) on cross-validated rows.

A row is one labelled message as tools/eval/cross-validate --json writes it: the label, the text
model's out-of-fold probability (a model that never saw the message), the hand-set score of its
signature hits, its hit categories, checks and lists. The score model is a logistic regression over

    model_logit      the text model's log-odds (probability clamped to [1e-4, 1 - 1e-4])
    signatures       the hits' summed hand-set scores / 100, capped at 1
    category:NAME    1 when a hit of that category is present
    check:NAME       1 when the check fired
    list:NAME        1 when the message is on that list

fitted by Newton's method (IRLS) with an L2 penalty on every weight but the intercept. Signals
present in fewer than MIN_SUPPORT rows get no fitted weight: one or two messages cannot calibrate
anything. Signals the labelled sets never show (a registered brand sender, a domestic sender on
an international route) get priors set by hand (tools/train/score-priors.txt), marked as such in
the file. Python 3 standard library only; deterministic (same rows, same file).
"""

import hashlib
import json
import math

MIN_SUPPORT = 5
MIN_PROBABILITY = 1e-4
FORMAT = "scamgate-score 1"


def logit(p):
    p = min(max(p, MIN_PROBABILITY), 1.0 - MIN_PROBABILITY)
    return math.log(p / (1.0 - p))


def signals_of(row):
    """The non-zero signals of one row: {label: value} (the same definitions as score_model.cpp)."""
    out = {"model_logit": logit(row["probability"])}
    hits = min(row.get("hit_score", 0), 100) / 100.0
    if hits:
        out["signatures"] = hits
    for c in row.get("categories", []):
        out["category:" + c] = 1.0
    for c in row.get("checks", []):
        out["check:" + c] = 1.0
    for l in row.get("lists", []):
        out["list:" + l] = 1.0
    return out


def supported_signals(rows):
    counts = {}
    for r in rows:
        for name in signals_of(r):
            counts[name] = counts.get(name, 0) + 1
    return sorted(name for name, n in counts.items() if n >= MIN_SUPPORT)


def _solve(matrix, vector):
    """Gaussian elimination with partial pivoting (the systems are a few dozen wide)."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col and a[r][col]:
                f = a[r][col] / a[col][col]
                for k in range(col, n + 1):
                    a[r][k] -= f * a[col][k]
    return [a[i][n] / a[i][i] if abs(a[i][i]) > 1e-12 else 0.0 for i in range(n)]


def fit(rows, l2=1.0, iterations=30):
    """Returns (intercept, {signal: weight}) for the supported signals of labelled rows."""
    names = supported_signals(rows)
    index = {name: i + 1 for i, name in enumerate(names)}  # 0 is the intercept
    data = []
    for r in rows:
        x = [(0, 1.0)] + sorted((index[k], v) for k, v in signals_of(r).items() if k in index)
        data.append((x, 1.0 if r["label"] else 0.0))
    d = len(names) + 1
    w = [0.0] * d
    for _ in range(iterations):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y in data:
            z = sum(w[i] * v for i, v in x)
            p = 1.0 / (1.0 + math.exp(-max(-35.0, min(35.0, z))))
            for i, v in x:
                grad[i] += (p - y) * v
                for j, u in x:
                    hess[i][j] += p * (1.0 - p) * v * u
        for i in range(1, d):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        step = _solve(hess, grad)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w[0], {name: w[index[name]] for name in names}


def probability(intercept, weights, priors, row):
    z = intercept + sum(weights.get(k, priors.get(k, 0.0)) * v for k, v in signals_of(row).items())
    return 1.0 / (1.0 + math.exp(-max(-35.0, min(35.0, z))))


def read_priors(path):
    """'SIGNAL WEIGHT  # why' lines; returns [(signal, weight, why)]."""
    priors = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            body, _, why = line.partition("#")
            if not body.strip():
                continue
            signal, weight = body.split()
            priors.append((signal, float(weight), why.strip()))
    return priors


def rows_sha256(rows):
    canonical = "\n".join(json.dumps(signals_of(r) | {"label": bool(r["label"])}, sort_keys=True) for r in rows)
    return hashlib.sha256(canonical.encode()).hexdigest()


def model_header(model_path):
    """The text header fields of a scamgate-model file (name, version, weights_sha256, ...)."""
    fields = {}
    with open(model_path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            key, sep, value = line.partition(": ")
            if sep:
                fields[key] = value
            if key == "weights_sha256":  # the last header line; the weights follow
                break
    return fields


def render(name, version, model, intercept, weights, priors, fitted, comment):
    """The score model file (YAML written by hand: stdlib only, stable key order)."""
    lines = [f"# {line}" if line else "#" for line in comment]
    lines += [f"format: {FORMAT}", f"name: {name}", f"version: '{version}'",
              f"model: {{name: {model['name']}, weights_sha256: {model['weights_sha256']}}}",
              f"fitted: '{fitted}'", f"intercept: {intercept:.4f}", "weights:"]
    lines += [f"  '{k}': {weights[k]:.4f}" for k in sorted(weights)]
    if priors:
        lines.append("priors:  # set by hand: the labelled sets never show these signals")
        lines += [f"  '{k}': {w:.4f}  # {why}" for k, w, why in priors]
    return "\n".join(lines) + "\n"

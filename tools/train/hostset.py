"""Training rows and cross-validation folds of scamgate's URL host model (tools/train/train-host-model,
tools/eval/host_model_cv). Python 3 standard library only.

Rows are (label, host): 1 = phishing host, 0 = legitimate host. Sources:
  - corpus part A: CORPUS/sms/vn_phishing_domains_chongluadao.part-A.txt (1) and
    CORPUS/sms/vn_legit_domains_chongluadao_whitelist.part-A.txt (0);
  - the official domains of config/lists/protected-brands.yaml (0);
  - tools/train/hosts/*.txt, hosts the project wrote (0).
Folds group hosts by registrable domain (public suffix list), so sub.x.com and x.com always share
one; groups are ordered by a seeded hash and dealt round-robin within each label (stratified).
Project and brand rows are always trained on, never scored; in a fold run those whose registrable
domain is in the held-out fold are left out too, so no held-out host is seen under another source.
"""

import hashlib
import os
import re
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PHISHING = "vn_phishing_domains_chongluadao.part-A.txt"
LEGIT = "vn_legit_domains_chongluadao_whitelist.part-A.txt"
PSL_PATH = "/usr/share/publicsuffix/public_suffix_list.dat"


class PublicSuffixList:
    """The PSL's rules (normal, wildcard, exception), as libpsl applies them for registrable domains."""

    def __init__(self, path=PSL_PATH):
        self.rules, self.wildcards, self.exceptions = set(), set(), set()
        with open(path, encoding="utf-8") as f:
            for line in f:
                rule = line.strip().split(" ")[0]
                if not rule or rule.startswith("//"):
                    continue
                rule = rule.lower()
                if rule.startswith("!"):
                    self.exceptions.add(rule[1:])
                elif rule.startswith("*."):
                    self.wildcards.add(rule[2:])
                else:
                    self.rules.add(rule)

    def registrable_domain(self, host):
        labels = host.strip(".").split(".")
        if not host or re.fullmatch(r"[0-9.]+|\[.*\]", host):
            return host
        # The longest matching suffix; the implicit "*" rule makes the TLD a suffix.
        suffix_len = 1
        for i in range(len(labels)):
            candidate = ".".join(labels[i:])
            if candidate in self.exceptions:
                suffix_len = len(labels) - i - 1
                break
            if candidate in self.rules:
                suffix_len = len(labels) - i
                break
            if i + 1 < len(labels) and ".".join(labels[i + 1:]) in self.wildcards:
                suffix_len = len(labels) - i
                break
        if suffix_len >= len(labels):
            return host
        return ".".join(labels[-(suffix_len + 1):])


def read_hosts(path):
    hosts = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            # A few list entries are URLs: keep the host (as UrlMention.host would be), less any
            # scheme, path, query or port.
            entry = line.split("#", 1)[0].strip().lower()
            entry = entry.split("://", 1)[-1]
            host = re.split(r"[/?]", entry, maxsplit=1)[0].split(":", 1)[0].rstrip(".")
            if host and "\t" not in host and " " not in host:
                hosts.append(host)
    return hosts


def brand_domains():
    """The registrable domains listed under `domains:` in config/lists/protected-brands.yaml."""
    out = []
    with open(os.path.join(REPO, "config", "lists", "protected-brands.yaml"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*domains:\s*\[([^\]]*)\]", line)
            if m:
                out.extend(d.strip().lower() for d in m.group(1).split(",") if d.strip())
    return out


def project_hosts():
    folder = os.path.join(REPO, "tools", "train", "hosts")
    hosts = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".txt"):
            hosts.extend(read_hosts(os.path.join(folder, name)))
    return hosts


def corpus_rows(corpus_dir):
    """[(label, host)] of part A, or None when the lists are absent."""
    phishing = os.path.join(corpus_dir, "sms", PHISHING)
    legit = os.path.join(corpus_dir, "sms", LEGIT)
    if not (os.path.exists(phishing) and os.path.exists(legit)):
        return None
    return [(1, h) for h in read_hosts(phishing)] + [(0, h) for h in read_hosts(legit)]


def fold_of_groups(rows, folds, seed, psl):
    """{registrable domain: fold}, stratified by label (a group with any phishing host is phishing)."""
    label_of = {}
    for label, host in rows:
        key = psl.registrable_domain(host)
        label_of[key] = max(label_of.get(key, 0), label)
    order = sorted(label_of, key=lambda k: hashlib.sha256(f"{seed}:{k}".encode()).hexdigest())
    assignment, dealt = {}, {0: 0, 1: 0}
    for key in order:
        assignment[key] = dealt[label_of[key]] % folds
        dealt[label_of[key]] += 1
    return assignment


def unique(rows):
    seen, out = set(), []
    for row in rows:
        if row not in seen:
            seen.add(row)
            out.append(row)
    return out


def training_rows(corpus_dir, folds=0, exclude_fold=-1, seed=1, psl=None):
    """(training rows, held-out corpus rows): all of part A less fold exclude_fold when folds > 0,
    then the brands' and the project's hosts (less those in the held-out fold's groups)."""
    corpus = corpus_rows(corpus_dir)
    if corpus is None:
        return None, None
    corpus = unique(corpus)
    psl = psl or PublicSuffixList()
    held_out_groups = set()
    train, held_out = [], []
    if folds:
        assignment = fold_of_groups(corpus, folds, seed, psl)
        held_out_groups = {k for k, f in assignment.items() if f == exclude_fold}
    for label, host in corpus:
        (held_out if psl.registrable_domain(host) in held_out_groups else train).append((label, host))
    extra = [(0, h) for h in brand_domains()] + [(0, h) for h in project_hosts()]
    train.extend(r for r in extra if psl.registrable_domain(r[1]) not in held_out_groups)
    return unique(train), held_out


if __name__ == "__main__":
    sys.exit("hostset.py is a module: use tools/train/train-host-model or tools/eval/host_model_cv")

"""Shared helpers for the NumPy reference calculations of satool-protein's tests.

Written independently of the Rust code, straight from the published protocol: a minimal Stockholm
reader for one-record files, the gap cleaning, the one-hot layout and the metric
conventions. Only numpy is used.
"""
from pathlib import Path

import numpy as np

ALPHABET = "ACDEFGHIKLMNPQRSTVWY"
GAPS = set(".-~")
FIXTURES = Path(__file__).resolve().parents[4] / "fixtures"
EPS = 1e-10


def read_stockholm_single(path):
    """(names, rows) of a one-record Stockholm file, uppercased, blocks appended."""
    order, seqs = [], {}
    for line in Path(path).read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("#") or s == "//":
            continue
        name, residues = s.split()
        if name not in seqs:
            order.append(name)
            seqs[name] = ""
        seqs[name] += residues.upper()
    return order, [seqs[n] for n in order]


def clean(names, rows, col_max=0.5, seq_max=0.3):
    """Published cleaning: columns with gap fraction <= 0.5, then rows with gap fraction <= 0.3."""
    mat = np.array([list(r) for r in rows])
    gap = np.isin(mat, list(GAPS))
    keep_cols = np.where(gap.mean(axis=0) <= col_max)[0]
    sub = gap[:, keep_cols]
    keep_rows = np.where(sub.mean(axis=1) <= seq_max)[0]
    seqs = ["".join(mat[k, keep_cols]) for k in keep_rows]
    return [names[k] for k in keep_rows], seqs, keep_cols


def one_hot(seqs, gap_state=False):
    """K x 20L matrix, position-major (pos*20 + aa); gaps and other letters all-zero.
    With gap_state: K x 21L (pos*21 + state), gaps and other letters in state 20."""
    L, width = len(seqs[0]), 21 if gap_state else 20
    x = np.zeros((len(seqs), width * L))
    for k, s in enumerate(seqs):
        for pos, c in enumerate(s):
            a = ALPHABET.find(c)
            if a >= 0 or gap_state:
                x[k, pos * width + (a if a >= 0 else 20)] = 1.0
    return x


def pf00076_clean():
    names, rows = read_stockholm_single(FIXTURES / "PF00076.sto")
    return clean(names, rows)


# --- metrics (the published protein metrics) -------------------------------------------


def freqs_with_eps(counts):
    """counts -> frequencies (uniform if empty, as the published helper), + eps, renormalised."""
    total = counts.sum()
    f = counts / total if total > 0 else np.full(counts.shape, 1.0 / counts.size)
    f = f + EPS
    return f / f.sum()


def counts_at(seqs, pos=None):
    c = np.zeros(20)
    for s in seqs:
        chars = s if pos is None else s[pos]
        for ch in chars:
            a = ALPHABET.find(ch)
            if a >= 0:
                c[a] += 1
    return c


def kl(p, q):
    return float(np.sum(p * np.log(p / q)))


def kl_composition(stored, gen):
    return kl(freqs_with_eps(counts_at(stored)), freqs_with_eps(counts_at(gen)))


def probs_eps_on_counts(counts):
    """(c + eps) / (sum c + 20 eps): eps on the counts (published position_specific_kl)."""
    return (counts + EPS) / (counts.sum() + 20 * EPS)


def kl_position(stored, gen):
    L = len(stored[0])
    vals = [kl(probs_eps_on_counts(counts_at(stored, i)), probs_eps_on_counts(counts_at(gen, i))) for i in range(L)]
    return float(np.mean(vals))


def mi_positions(L):
    """round(linspace(1, L, min(20, L))) with half-to-even (np.round), as 0-based indices."""
    n = min(20, L)
    return [int(v) - 1 for v in np.round(np.linspace(1, L, n))]


def mi_pair(seqs, i, j):
    joint = np.zeros((20, 20))
    for s in seqs:
        a, b = ALPHABET.find(s[i]), ALPHABET.find(s[j])
        if a >= 0 and b >= 0:
            joint[a, b] += 1
    total = joint.sum()
    if total < 2:
        return 0.0
    pj = (joint + EPS) / (total + 400 * EPS)
    mi_ = joint.sum(axis=1)
    mj = joint.sum(axis=0)
    pi = (mi_ + EPS) / (mi_.sum() + 20 * EPS)
    pjm = (mj + EPS) / (mj.sum() + 20 * EPS)
    return float(np.sum(pj * np.log(pj / np.outer(pi, pjm))))


def mi_upper(seqs, positions):
    n = len(positions)
    return np.array([mi_pair(seqs, positions[a], positions[b]) for a in range(n) for b in range(a + 1, n)])


def mi_correlation(stored, gen):
    pos = mi_positions(len(stored[0]))
    g, s = mi_upper(gen, pos), mi_upper(stored, pos)
    if g.std() == 0 or s.std() == 0:
        return None
    return float(np.corrcoef(g, s)[0, 1])


def seq_identity(gen, stored):
    out = []
    for g in gen:
        best = 0.0
        for s in stored:
            pairs = [(a, b) for a, b in zip(g, s) if a not in GAPS and b not in GAPS]
            if pairs:
                best = max(best, sum(a == b for a, b in pairs) / len(pairs))
        out.append(best)
    return out


def valid_fraction(gen):
    chars = "".join(gen)
    return sum(c in ALPHABET for c in chars) / len(chars)

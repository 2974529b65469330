"""The natural baseline of C_ij r: python3 bench/decoders/natural_cij.py FIXTURE.sto (needs numpy).

Connected correlations C_ij(a,b) = f_ij(a,b) - f_i(a) f_j(b) (frequencies over all sequences, a gap is
no residue; satool's convention) of two disjoint random subsets of m members each, Pearson r over all
column pairs i < j and residue pairs, mean of 30 draws, for m = 4 ... K/2. If a set's C_ij is the family's
plus noise of variance c/n, r(m, m) = 1/(1 + c/m): the implied c should not depend on m. Then
r(K members, n new members) = 1/sqrt((1 + c/K)(1 + c/n)): what a generator drawing new members of
the family (not copies) reaches against the whole family, and r(train 80%, held 20%) as measured.
Cleaning as satool's (columns with gap fraction <= 0.5, then sequences with gap fraction <= 0.3)."""
import sys
import numpy as np

AA = 'ACDEFGHIKLMNPQRSTVWY'
GAPS = set('.-~')


def read_sto(p):
    seqs = {}
    for l in open(p):
        if l.startswith('#') or l.startswith('//') or not l.strip():
            continue
        n, s = l.split()
        seqs[n] = seqs.get(n, '') + s
    return list(seqs.values())


def clean(seqs):
    seqs = [s.upper() for s in seqs]
    keep = [i for i in range(len(seqs[0])) if sum(s[i] in GAPS for s in seqs) / len(seqs) <= 0.5]
    out = [''.join(s[i] for i in keep) for s in seqs]
    return [s for s in out if sum(c in GAPS for c in s) / len(s) <= 0.3]


def onehot(seqs):
    X = np.zeros((len(seqs), len(seqs[0]) * 20))
    for n, s in enumerate(seqs):
        for i, c in enumerate(s):
            a = AA.find(c)
            if a >= 0:
                X[n, i * 20 + a] = 1
    return X


def cij(X):
    n = X.shape[0]
    f = X.mean(0)
    C = X.T @ X / n - np.outer(f, f)
    L = X.shape[1] // 20
    mask = np.zeros_like(C, dtype=bool)
    for i in range(L):
        mask[i * 20:(i + 1) * 20, (i + 1) * 20:] = True
    return C[mask]


def r(a, b):
    return np.corrcoef(a, b)[0, 1]


path = sys.argv[1]
S = clean(read_sto(path))
X = onehot(S)
K = len(S)
rng = np.random.default_rng(1)
print(f'{path}: K = {K}, L = {len(S[0])}')
cs = []
for m in sorted({4, 8, 12, 17, 24, K // 2}):
    if 2 * m > K:
        continue
    v = [r(cij(X[p[:m]]), cij(X[p[m:2 * m]])) for p in (rng.permutation(K) for _ in range(30))]
    rm = float(np.mean(v))
    c = m * (1 / rm - 1)
    cs.append(c)
    print(f'  m = {m:3d}: r(A_m, B_m) = {rm:.4f}  implied c = {c:.0f}')
c = cs[-1]
th = [r(cij(X[p[int(0.2 * K):]]), cij(X[p[:int(0.2 * K)]])) for p in (rng.permutation(K) for _ in range(30))]
print(f'  c (from m = K/2) = {c:.0f}; r(train 80%, held 20%) measured {np.mean(th):.3f} ± {np.std(th):.3f}, '
      f'model {1 / np.sqrt((1 + c / (K - int(0.2 * K))) * (1 + c / int(0.2 * K))):.3f}')
for n in (150, 1000, 10**9):
    print(f'  n = {n:>10d} new members vs the K members: C_ij r = {1 / np.sqrt((1 + c / K) * (1 + c / n)):.3f}')

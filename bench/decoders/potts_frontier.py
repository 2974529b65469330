"""What a Potts model fitted to a seed gives on the two axes of the protein targets: its samples'
nearest-member identity and their C_ij r against the members (the tool's definitions), on PF00076.
python3 bench/decoders/potts_frontier.py   (run from the repository root; $SATOOL, default
target/release/satool, cleans the family; needs numpy and scikit-learn). Minutes.

1. Pseudo-likelihood (plmDCA-like): per column, an L2 multinomial logistic regression
   (scikit-learn, C as listed) of the column's 21 states on the one-hot of all other columns; the
   conditionals are Gibbs-sampled (1,000 chains from random members, 150 sweeps; numpy
   default_rng(1)). A smaller C regularises more.
2. Boltzmann-machine learning (bmDCA-like): fields and couplings of a 21-state Potts model fitted by
   gradient ascent on the likelihood (learning rate 0.05, L2 1e-3 on the couplings), model averages
   from 1,000 persistent Gibbs chains (2 sweeps per step; numpy default_rng(0)); every 50 steps the
   chains' C_ij r and nearest identity, and at the end 1,000 fresh chains from random members after
   200 sweeps.
Identity: matches / positions where neither is a gap, max over members (the tool's SeqID).
C_ij r: Pearson r of the connected correlations f_ij(a,b) − f_i(a) f_j(b) over column pairs i < j
and the 20 residues (a gap is no residue), samples against members (the tool's cij_r)."""
import os, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
sys.path.insert(0, os.path.dirname(__file__))
import heldout_baselines as hb
from heldout_baselines import nearest_identity

Q = 21


def onehot(C):
    n, L = C.shape
    X = np.zeros((n, L * Q))
    X[np.arange(n)[:, None], np.arange(L) * Q + C] = 1
    return X


def cij(C):
    n, L = C.shape
    X = np.zeros((n, L * 20))
    r, c = np.nonzero(C < 20)
    X[r, c * 20 + C[r, c]] = 1
    f = X.mean(0)
    M = (X.T @ X / n - np.outer(f, f)).reshape(L, 20, L, 20).transpose(0, 2, 1, 3)
    return M[np.triu_indices(L, 1)].ravel()


def cij_r(S, G):
    return np.corrcoef(cij(S), cij(G))[0, 1]


def gibbs(logits_of, C, sweeps, rng):
    """Gibbs sweeps over the columns in random order; logits_of(X, i) gives column i's logits."""
    n, L = C.shape
    X = onehot(C)
    for _ in range(sweeps):
        for i in rng.permutation(L):
            z = logits_of(X, i)
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            new = (p.cumsum(1) < rng.random(n)[:, None]).sum(1).clip(0, Q - 1)
            X[:, i * Q:(i + 1) * Q] = 0
            X[np.arange(n), i * Q + new] = 1
            C[:, i] = new
    return C, X


def describe(tag, S, G, loo):
    nn = nearest_identity(G, S)
    lo, hi = np.quantile(loo, .05), np.quantile(loo, .95)
    print(f'  {tag:<34} nearest {nn.mean():.3f} in 5–95% band {np.mean((nn >= lo) & (nn <= hi)):4.0%} '
          f'> 90% {np.mean(nn > .9):5.1%} C_ij r {cij_r(S, G):.3f}', flush=True)


def plm(S, c, rng):
    n, L = S.shape
    X = onehot(S)
    W, b = np.zeros((L, L * Q, Q)), np.full((L, Q), -30.0)
    for i in range(L):
        y = S[:, i]
        classes = np.unique(y)
        if len(classes) == 1:
            b[i, classes[0]] = 0
            continue
        Xi = X.copy()
        Xi[:, i * Q:(i + 1) * Q] = 0
        m = LogisticRegression(C=c, max_iter=2000).fit(Xi, y)
        coef, icpt = m.coef_, m.intercept_
        if len(classes) == 2:
            coef, icpt = np.vstack([-coef / 2, coef / 2]), np.r_[-icpt / 2, icpt / 2]
        W[i][:, classes], b[i, classes] = coef.T, icpt
    return gibbs(lambda Xc, i: Xc @ W[i] + b[i], S[rng.integers(0, n, 1000)].copy(), 150, rng)[0]


def bm(S, loo):
    n, L = S.shape
    D, rng, lr, lam = L * Q, np.random.default_rng(0), 0.05, 1e-3
    X = onehot(S)
    f1, f2 = X.mean(0), X.T @ X / n
    h = np.log(f1.reshape(L, Q) + 1e-3)
    h = (h - h.mean(1, keepdims=True)).ravel()
    J, mask = np.zeros((D, D)), np.ones((D, D))
    for i in range(L):
        mask[i * Q:(i + 1) * Q, i * Q:(i + 1) * Q] = 0
    logits = lambda Xc, i: Xc @ J[:, i * Q:(i + 1) * Q] + h[i * Q:(i + 1) * Q]
    C = S[rng.integers(0, n, 1000)].copy()
    for step in range(1, 401):
        C, Xc = gibbs(logits, C, 2, rng)
        m1, m2 = Xc.mean(0), Xc.T @ Xc / len(Xc)
        h += lr * (f1 - m1)
        J += lr * ((f2 - m2) - lam * J) * mask
        if step % 50 == 0:
            describe(f'bmDCA step {step} (persistent chains)', S, C, loo)
    fresh = gibbs(logits, S[rng.integers(0, n, 1000)].copy(), 200, rng)[0]
    describe('bmDCA step 400, fresh chains', S, fresh, loo)


names, rows = hb.clean_family('PF00076')
S = hb.code(rows)
loo = nearest_identity(S, S, loo=True)
print(f'PF00076: K {S.shape[0]}, L {S.shape[1]}; the members\' leave-one-out nearest identity {loo.mean():.3f}, '
      f'C_ij r of two random halves {np.mean([cij_r(S[p[:34]], S[p[34:68]]) for p in (np.random.default_rng(s).permutation(68) for s in range(8))]):.3f}')
rng = np.random.default_rng(1)
t0 = time.time()
for c in (0.01, 0.1, 0.3, 1.0, 3.0):
    describe(f'pseudo-likelihood, C = {c:g}', S, plm(S, c, rng), loo)
bm(S, loo)
print(f'({time.time() - t0:.0f} s)')

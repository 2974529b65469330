"""What the held-out classifier keys on: python3 bench/decoders/auc_features.py FAMILY [DECODE] [SEED]
FAMILY: PF00076, fn3, LuxC, far. Splits the cleaned members in two halves (numpy seed 0), writes the
training half as a Stockholm file, runs sa_gen (1000 samples, no HMMER, --decode DECODE, default
calibrated) on it, then fits scikit-learn's L2 logistic regression (C = 1, 21 one-hot states per
column) on generated vs held-out half: 5-fold AUC (equal class sizes, 4 draws) for the samples, the
null (training half vs held-out half), independent columns drawn from the training half's column
frequencies, and resampled copies of the training members; column-frequency distances; and the
share of the fitted |weights| on each kind of feature: gap, the training half's consensus residue,
another residue seen in the training half at that column, a residue it never has there.
Needs numpy and scikit-learn."""
import json, os, shutil, subprocess, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S = ROOT + '/target/release/satool'; D = ROOT + '/fixtures/'
fams = {'PF00076': 'PF00076.sto', 'fn3': 'stockholm/PF00041_fn3.sto', 'LuxC': 'stockholm/LuxC_multiblock.sto',
        'far': 'stockholm/PF00041_fn3_far_apart.sto'}
AA = 'ACDEFGHIKLMNPQRSTVWY'; GAP = list('.-~')
def read_sto(p):
    seqs = {}
    for l in open(p):
        if l.startswith('#') or l.startswith('//') or not l.strip(): continue
        n, s = l.split(); seqs[n] = seqs.get(n, '') + s
    return seqs
def clean(seqs):
    """The tool's cleaning: columns with gap fraction <= 0.5, then sequences with <= 0.3 gaps."""
    names = list(seqs); M = np.array([list(seqs[n].upper()) for n in names]); g = np.isin(M, GAP)
    M, g = M[:, g.mean(0) <= 0.5], g[:, g.mean(0) <= 0.5]; keep = g.mean(1) <= 0.3
    return [n for n, k in zip(names, keep) if k], M[keep]
def code(M): return np.array([[AA.find(c) if c in AA else 20 for c in row] for row in M])
def onehot(C):
    X = np.zeros((C.shape[0], C.shape[1] * 21))
    for j in range(C.shape[1]): X[np.arange(len(C)), j * 21 + C[:, j]] = 1
    return X
def auc(A, B, reps=4):
    out = []
    for r in range(reps):
        rng = np.random.default_rng(r); n = min(len(A), len(B))
        a, b = A[rng.choice(len(A), n, replace=False)], B[rng.choice(len(B), n, replace=False)]
        X, y = np.vstack([onehot(a), onehot(b)]), np.r_[np.zeros(n), np.ones(n)]
        cv = StratifiedKFold(5, shuffle=True, random_state=r)
        out.append(cross_val_score(LogisticRegression(C=1, max_iter=2000), X, y, cv=cv, scoring='roc_auc').mean())
    return np.mean(out)
fam = sys.argv[1]; dec = sys.argv[2] if len(sys.argv) > 2 else 'calibrated'; seed = sys.argv[3] if len(sys.argv) > 3 else '1'
names, M = clean(read_sto(D + fams[fam]))
perm = np.random.default_rng(0).permutation(len(names)); h = len(names) // 2; tr, ho = perm[h:], perm[:h]
cols = np.isin(M[tr], GAP).mean(0) <= 0.5  # so that the tool keeps every column of the training half
d = f'/tmp/satool_auc_features_{fam}'; os.makedirs(d, exist_ok=True)
with open(d + '/train.sto', 'w') as f:
    f.write('# STOCKHOLM 1.0\n'); [f.write(f'{names[i]} {"".join(r)}\n') for i, r in zip(tr, M[tr][:, cols])]; f.write('//\n')
o = d + '/out'; shutil.rmtree(o, ignore_errors=True)
r = subprocess.run([S, 'protein', '--stockholm', d + '/train.sto', '--methods', 'sa_gen', '--samples', '1000', '--hmmer', 'off',
                    '--decode', dec, '--seed', seed, '--out', o, '--json'], capture_output=True, text=True)
if r.returncode: sys.exit(r.stderr)
chosen = json.loads(r.stdout)['parameters']['decode']
blocks = open(o + '/sa_gen.aligned.fasta').read().split('>')[1:]
G = code(np.array([list(''.join(b.splitlines()[1:]).strip().upper()) for b in blocks]))
T, H = code(M[tr][:, cols]), code(M[ho][:, cols]); L = T.shape[1]
freq = lambda C: np.array([np.bincount(C[:, j], minlength=21) / len(C) for j in range(L)])
ft, fh, fg = freq(T), freq(H), freq(G)
rng = np.random.default_rng(1)
indep = np.array([rng.choice(21, size=1000, p=ft[j]) for j in range(L)]).T
copies = T[rng.integers(0, len(T), 1000)]
print(f'{fam} seed {seed}: --decode {dec} -> {chosen}; training half {len(T)}, held-out half {len(H)}, L {L}')
print(f'  AUC vs held-out half: samples {auc(G, H):.3f} | null (training half) {auc(T, H):.3f} | '
      f'independent columns from the training frequencies {auc(indep, H):.3f} | resampled training members {auc(copies, H):.3f}')
print(f'  column frequencies, mean L1: samples-training {abs(fg - ft).sum(1).mean():.3f}, samples-held {abs(fg - fh).sum(1).mean():.3f}, '
      f'training-held {abs(ft - fh).sum(1).mean():.3f}')
unseen = ft == 0
print(f'  held-out mass on residues the training half never has at that column: {(fh * unseen).sum(1).mean():.3f} (samples: {(fg * unseen).sum(1).mean():.3f})')
n = len(H); g = G[np.random.default_rng(0).choice(len(G), n, replace=False)]
w = np.abs(LogisticRegression(C=1, max_iter=2000).fit(np.vstack([onehot(g), onehot(H)]), np.r_[np.zeros(n), np.ones(n)]).coef_[0])
cons = ft.argmax(1)
kind = np.array(['gap' if i % 21 == 20 else 'unseen' if ft[i // 21, i % 21] == 0 else 'consensus' if i % 21 == cons[i // 21]
                 else 'other seen' for i in range(len(w))])
print('  share of |weight|: ' + ', '.join(f'{k} {w[kind == k].sum() / w.sum():.2f}' for k in ['consensus', 'other seen', 'unseen', 'gap']))

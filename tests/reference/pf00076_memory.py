"""Builds the PF00076 memory X (as published) with NumPy and reports PCA reconstruction errors
of X itself, as a yardstick for the VAE's reconstruction error (mean over columns of ||x - x_hat||^2)."""
import numpy as np, sys
path = sys.argv[1] if len(sys.argv) > 1 else "fixtures/PF00076.sto"
seqs = {}
for line in open(path):
    line = line.rstrip()
    if not line or line.startswith("#") or line.startswith("//"):
        continue
    name, res = line.split()[:2]
    seqs[name] = seqs.get(name, "") + res.upper()
rows = list(seqs.values())
gap = lambda c: c in ".-~"
W = len(rows[0])
cols = [j for j in range(W) if sum(gap(r[j]) for r in rows) / len(rows) <= 0.5]
kept = [r for r in rows if sum(gap(r[j]) for j in cols) / len(cols) <= 0.3]
A = "ACDEFGHIKLMNPQRSTVWY"
oh = np.zeros((len(kept), 20 * len(cols)))
for i, r in enumerate(kept):
    for p, j in enumerate(cols):
        if r[j] in A:
            oh[i, p * 20 + A.index(r[j])] = 1
c = oh - oh.mean(0)
u, s, vt = np.linalg.svd(c, full_matrices=False)
frac = np.cumsum(s**2) / np.sum(s**2)
d = int(np.argmax(frac >= 0.95)) + 1
z = c @ vt[:d].T
z /= np.linalg.norm(z, axis=1, keepdims=True) + 1e-12
X = z.T  # d x K
K = X.shape[1]
print("K", K, "L", len(cols), "d", d, "var frac", frac[d - 1])
xc = X - X.mean(1, keepdims=True)
print("mean predictor error", (xc**2).sum() / K)
uu, ss, _ = np.linalg.svd(xc, full_matrices=False)
for r in (4, 8, 16):
    print(f"centred PCA-{r} reconstruction error", (ss[r:]**2).sum() / K)

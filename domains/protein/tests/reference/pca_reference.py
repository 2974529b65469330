"""NumPy reference for the PF00076 encoding (encoding, PCA and decoding as published).

Run: python3 pca_reference.py   (from any directory; needs numpy only)
Prints the numbers asserted in tests/encode_pf00076.rs.
"""
import numpy as np

from refcommon import ALPHABET, one_hot, pf00076_clean

names, seqs, kept = pf00076_clean()
K, L = len(seqs), len(seqs[0])
x = one_hot(seqs)
mu = x.mean(axis=0)
xc = x - mu
u, s, vt = np.linalg.svd(xc, full_matrices=False)
var = s**2 / (K - 1)
total = (xc**2).sum() / (K - 1)
share = np.cumsum(var) / total
d = int(np.searchsorted(share, 0.95) + 1)  # smallest count whose share reaches 95%
print(f"K={K} L={L} d={d} retained={float(share[d-1])!r} total_variance={float(total)!r}")
for i in [0, 1, 9, 29, 57, 58, 59, 66]:
    print(f"s[{i}] = {float(s[i])!r}")
print(f"s[67] (null direction of the centred data) = {s[67]:.3e}")

# Codes z_k = P^T (x_k - mu) and their norms.
p = vt[:d].T
z = xc @ p
norms = np.linalg.norm(z, axis=1)
print(f"code norms: min={float(norms.min())!r} max={float(norms.max())!r} mean={float(norms.mean())!r}")


def decode(vec):
    out = []
    for pos in range(L):
        block = vec[pos * 20:(pos + 1) * 20]
        out.append("-" if block.max() < 1e-10 else ALPHABET[int(np.argmax(block))])
    return "".join(out)


def same(a, b):
    # a stored gap ('.', '-', '~') decodes to '-'
    return (a in ".-~" and b == "-") or a == b


# Stored code (not normalised) decoded: x = P z_k + mu.
mism = [sum(not same(a, b) for a, b in zip(seqs[k], decode(p @ z[k] + mu))) for k in range(K)]
print(f"decode(z_k) mismatches: total={sum(mism)} max_per_seq={max(mism)} seqs_exact={sum(m == 0 for m in mism)}")
# Published decode of the unit-norm memory column: pulled toward the consensus.
mism_unit = [sum(not same(a, b) for a, b in zip(seqs[k], decode(p @ (z[k] / (norms[k] + 1e-12)) + mu))) for k in range(K)]
print(f"decode(m_k) mismatches: total={sum(mism_unit)}")
print("consensus (decode of xi=0):", decode(mu))

# All singular values above the null direction, shortest round-trip form, for the Rust test
# that compares the SVD and the Gram-matrix eigendecomposition against NumPy.
print("all singular values s[0..67]:")
print(", ".join(repr(float(v)) for v in s[:67]))

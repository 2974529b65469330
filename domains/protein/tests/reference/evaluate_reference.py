"""Builds fixtures/PF00076_evaluate.aligned.fasta and its reference metrics (NumPy only).

Run: python3 evaluate_reference.py   (rewrites the FASTA fixture, prints the numbers that
tests/evaluate_fixture.rs asserts and that the CLI integration test of `satool protein
--evaluate` uses).

The set: 40 sequences of length L = 71, aligned to the cleaned PF00076 columns. Sequence i
starts from cleaned stored sequence (7*i) mod K and is changed deterministically: ~18% of
positions get a residue drawn from a skewed distribution (so the composition differs from
the family's), ~3% become '-', and every 8th sequence gets one 'X'. Names: Eval_1..Eval_40.
"""
import numpy as np

from refcommon import (ALPHABET, FIXTURES, kl_composition, kl_position, mi_correlation,
                       mi_positions, pf00076_clean, seq_identity, valid_fraction)

N, SEED = 40, 20260306
names, stored, _ = pf00076_clean()
K, L = len(stored), len(stored[0])
rng = np.random.default_rng(SEED)
skew = np.linspace(1.0, 3.0, 20)
skew /= skew.sum()

gen = []
for i in range(N):
    s = list(stored[(7 * i) % K].replace(".", "-").replace("~", "-"))
    for pos in range(L):
        u = rng.random()
        if u < 0.18:
            s[pos] = ALPHABET[rng.choice(20, p=skew)]
        elif u < 0.21:
            s[pos] = "-"
    if i % 8 == 0:
        s[int(rng.integers(L))] = "X"
    gen.append("".join(s))

out = FIXTURES / "PF00076_evaluate.aligned.fasta"
with open(out, "w") as f:
    for i, s in enumerate(gen):
        f.write(f">Eval_{i + 1} derived from {names[(7 * i) % K]}\n")
        for start in range(0, L, 60):
            f.write(s[start:start + 60] + "\n")

print(f"wrote {out} ({N} sequences, L={L}, K={K})")
print(f"mi positions (0-based) = {mi_positions(L)}")
print(f"kl_composition = {kl_composition(stored, gen)!r}")
print(f"kl_position    = {kl_position(stored, gen)!r}")
print(f"mi_correlation = {mi_correlation(stored, gen)!r}")
sid = seq_identity(gen, stored)
print(f"seq_identity mean = {float(np.mean(sid))!r}  (first three: {sid[0]!r} {sid[1]!r} {sid[2]!r})")
print(f"valid_fraction = {valid_fraction(gen)!r}")

"""Cleaned sizes (K x L) of every good Stockholm fixture, for tests/encode_pf00076.rs.

Run: python3 clean_reference.py   (numpy only; single-record files, blocks appended)
"""
from refcommon import FIXTURES, clean, read_stockholm_single

for rel in ["PF00076.sto", "stockholm/PF00076_v13_hmmer_testsuite.sto",
            "stockholm/PF00041_fn3.sto", "stockholm/LuxC_multiblock.sto"]:
    names, rows = read_stockholm_single(FIXTURES / rel)
    kept_names, seqs, cols = clean(names, rows)
    print(f"{rel}: input {len(rows)} x {len(rows[0])} -> K={len(seqs)} L={len(cols)}; "
          f"sum of kept column indices {int(cols.sum())}; rows dropped {len(rows) - len(seqs)}")

#!/usr/bin/env python3
"""Builds synthetic benchmark families from the real Pfam seeds in /work/shared/data/protein.

Each family is a block matrix: its columns are whole seed alignments laid side by side (cycling
through the seeds), and row r of each block is a row of that seed chosen by a seeded permutation
(rows repeat within a block when K exceeds the seed's depth; whole rows are then distinct
combinations). Only the standard library is used, and the output depends only on the arguments,
so the files need not be committed.

    python3 bench/families/build.py --k 10 --cols 920 --seed 1 --out /tmp/k10_l800.sto
    python3 bench/families/build.py --all --out-dir /tmp/satool-bench-families

`--all` writes the families of bench/README.md ("Protein metrics at scale").
"""
import argparse
import os
import random
import sys

DATA = os.environ.get("SATOOL_DATA", "/work/shared/data/protein")
# Protein seeds only (RF00101 is RNA; PF00007 has a duplicate name, which is fine here but
# is kept out so the sources are the clean ones).
SEEDS = ["LuxC_multiblock.sto", "PF00041_fn3.sto", "PF00076.sto", "PF00076_v13_hmmer_testsuite.sto"]

# Deep families start with the short seeds: row r of a block is row perm[r mod depth], so whole
# rows are distinct up to the least common multiple of the depths of the blocks used.
DEEP = ["PF00076.sto", "PF00041_fn3.sto", "PF00076_v13_hmmer_testsuite.sto", "LuxC_multiblock.sto"]

# name → (K, columns before cleaning, seed, seed files in block order). Cleaned sizes (satool's
# cleaning): 10 × 804, 24 × 1140, 2000 × 154, 5000 × 301, every row distinct.
FAMILIES = {
    "k10_l800": (10, 920, 1, SEEDS),
    "k24_l1150": (24, 1320, 2, SEEDS),
    "k2000_l150": (2000, 195, 3, DEEP),
    "k5000_l300": (5000, 355, 4, DEEP),
}


def read_stockholm(path):
    """The first record's rows, in file order (interleaved blocks appended)."""
    order, seqs = [], {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("//"):
                break
            if not line.strip() or line.startswith("#"):
                continue
            name, seq = line.split()[:2]
            if name not in seqs:
                order.append(name)
                seqs[name] = ""
            seqs[name] += seq
    rows = [seqs[n].upper().replace(".", "-") for n in order]
    width = len(rows[0])
    assert all(len(r) == width for r in rows), path
    return rows


def build(k, cols, seed, files=SEEDS):
    rng = random.Random(seed)
    seeds = [read_stockholm(os.path.join(DATA, s)) for s in files]
    out = [""] * k
    block = 0
    while len(out[0]) < cols:
        rows = seeds[block % len(seeds)]
        perm = list(range(len(rows)))
        rng.shuffle(perm)
        for r in range(k):
            out[r] += rows[perm[r % len(rows)]]
        block += 1
    return [r[:cols] for r in out]


def write(path, name, rows):
    with open(path, "w") as f:
        f.write("# STOCKHOLM 1.0\n")
        f.write(f"#=GF ID {name}\n")
        f.write("#=GF DE satool benchmark family built by bench/families/build.py from Pfam seeds\n")
        for i, r in enumerate(rows):
            f.write(f"bench_{i + 1:05d} {r}\n")
        f.write("//\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--k", type=int)
    p.add_argument("--cols", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out")
    p.add_argument("--deep", action="store_true", help="start with the short seeds (for large K)")
    p.add_argument("--all", action="store_true")
    p.add_argument("--out-dir", default="/tmp/satool-bench-families")
    a = p.parse_args()
    if a.all:
        os.makedirs(a.out_dir, exist_ok=True)
        for name, (k, cols, seed, files) in FAMILIES.items():
            path = os.path.join(a.out_dir, f"{name}.sto")
            write(path, name, build(k, cols, seed, files))
            print(path)
    elif a.k and a.cols and a.out:
        write(a.out, f"bench_k{a.k}_c{a.cols}", build(a.k, a.cols, a.seed, DEEP if a.deep else SEEDS))
        print(a.out)
    else:
        p.error("give --all, or --k, --cols and --out")


if __name__ == "__main__":
    sys.exit(main())

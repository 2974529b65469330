#!/usr/bin/env python3
"""Decoder comparison: runs `satool protein --methods natural,sa_gen,exact_gen`
once per family × decode × seed and prints one Markdown table per family.

Columns: mean pairwise identity (target: the family's ± 0.05), share of samples inside the
natural nearest-neighbour identity band (≥ 70%), median hmmsearch bit score (the natural row's
± 15%), C_ij r (≥ the published decode's, aim ≥ 0.6), share > 90% identical to a stored sequence
(0% for K ≥ 24), gap fraction of the aligned samples (within 2× the natural row's). Numbers are
means over the seeds. Usage:

    python3 bench/decoders/compare.py [--bin target/release/satool] [--seeds 1,2]
        [--decodes published,norm,...] [--families pf00076,fn3,luxc]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAMILIES = {
    "pf00076": ("PF00076 (RRM_1)", os.path.join(ROOT, "fixtures/PF00076.sto"), os.path.join(ROOT, "fixtures/PF00076.hmm")),
    "fn3": ("PF00041 (fn3)", os.path.join(ROOT, "fixtures/stockholm/PF00041_fn3.sto"), None),
    "luxc": ("LuxC", os.path.join(ROOT, "fixtures/stockholm/LuxC_multiblock.sto"), None),
}
GAPS = set(b".-~")


def gap_fraction(path):
    seqs, cur = [], []
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if line.startswith(b">"):
                if cur:
                    seqs.append(b"".join(cur))
                cur = []
            elif line:
                cur.append(line)
    if cur:
        seqs.append(b"".join(cur))
    total = sum(len(s) for s in seqs)
    return sum(sum(c in GAPS for c in s) for s in seqs) / total if total else float("nan")


def run(binary, sto, hmm, decode, seed, extra):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        cmd = [binary, "protein", "--stockholm", sto, "--methods", "natural,sa_gen,exact_gen",
               "--decode", decode, "--seed", str(seed), "--json", "--quiet", "--out", out] + extra
        if hmm:
            cmd += ["--hmm", hmm]
        r = subprocess.run(cmd, capture_output=True, text=True, check=True)
        res = json.loads(r.stdout)
        for m in res["methods"]:
            m["gap_fraction"] = gap_fraction(os.path.join(out, f"{m['id']}.aligned.fasta"))
        return res


def hmmemit_row(binary, sto, hmm, seed, extra):
    """The profile HMM's own samples (`hmmemit -N n --seed s`, unaligned), scored by satool as an
    --evaluate row (aligned with hmmbuild --hand + hmmalign): the peer every decoder is measured
    against."""
    n = int(extra[extra.index("--samples") + 1]) if "--samples" in extra else 150
    with tempfile.TemporaryDirectory() as d:
        if hmm is None:
            hmm = os.path.join(d, "family.hmm")
            subprocess.run(["hmmbuild", "--amino", hmm, sto], capture_output=True, check=True)
        emitted = os.path.join(d, "hmmemit.fasta")
        with open(emitted, "w") as f:
            subprocess.run(["hmmemit", "-N", str(n), "--seed", str(seed), hmm], stdout=f, check=True)
        out = os.path.join(d, "out")
        cmd = [binary, "protein", "--stockholm", sto, "--hmm", hmm, "--methods", "natural", "--evaluate", emitted,
               "--seed", str(seed), "--json", "--quiet", "--out", out]
        res = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        row = next(m for m in res["methods"] if m["id"] == "file:hmmemit")
        row["gap_fraction"] = gap_fraction(os.path.join(out, "file_hmmemit.aligned.fasta"))
        return row


KEYS = ["mean_pairwise_identity", "nn_band_share", "hmm_median_bitscore", "cij_r", "frac_over_90", "gap_fraction"]


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def fmt(v, pct=False, digits=3):
    if v is None:
        return "—"
    return f"{100 * v:.0f}%" if pct else f"{v:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/satool"))
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--decodes", default="published,norm:1,norm,sample:0.3,sample,attention,attention:8")
    ap.add_argument("--families", default="pf00076,fn3,luxc")
    ap.add_argument("--hmmemit", action="store_true", help="add hmmemit's samples as a row (HMMER needed)")
    ap.add_argument("--extra", default="", help="extra satool arguments, space-separated (e.g. '--samples 300')")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    extra = a.extra.split()
    for fam in a.families.split(","):
        name, sto, hmm = FAMILIES[fam]
        rows, natural, params = {}, {}, None
        for dec in a.decodes.split(","):
            runs = [run(a.bin, sto, hmm, dec, s, extra) for s in seeds]
            params = runs[0]["parameters"]
            for mid in ["sa_gen", "exact_gen"]:
                ms = [next(m for m in r["methods"] if m["id"] == mid) for r in runs]
                rows[(dec, mid)] = {k: mean([m[k] for m in ms]) for k in KEYS}
            nat = [next(m for m in r["methods"] if m["id"] == "natural") for r in runs]
            natural = {k: mean([m[k] for m in nat]) for k in KEYS}
            print(f"  {fam} {dec} done", file=sys.stderr)
        if a.hmmemit:
            ms = [hmmemit_row(a.bin, sto, hmm, s, extra) for s in seeds]
            rows[("hmmemit", "hmmemit")] = {k: mean([m[k] for m in ms]) for k in KEYS}
            print(f"  {fam} hmmemit done", file=sys.stderr)
        band = params["nn_identity_band"]
        print(f"\n{name}: K = {params['K']}, L = {params['L']}, d = {params['d']}, β_gen = {params['beta_generation']}; "
              f"family pairwise identity {params['pairwise_identity']:.3f}, nn band [{band[0]:.2f}, {band[1]:.2f}]; "
              f"seeds {a.seeds}\n")
        print("| decode | method | pairwise id | in nn band | median bits | C_ij r | >90% id | gap fraction |")
        print("|---|---|---|---|---|---|---|---|")
        print(f"| (natural row) | natural | {fmt(params['pairwise_identity'])} (family) | — | "
              f"{fmt(natural['hmm_median_bitscore'], digits=1)} | {fmt(natural['cij_r'])} | — | {fmt(natural['gap_fraction'])} |")
        for (dec, mid), v in rows.items():
            print(f"| {dec} | {mid} | {fmt(v['mean_pairwise_identity'])} | {fmt(v['nn_band_share'], True)} | "
                  f"{fmt(v['hmm_median_bitscore'], digits=1)} | {fmt(v['cij_r'])} | {fmt(v['frac_over_90'], True)} | "
                  f"{fmt(v['gap_fraction'])} |")


if __name__ == "__main__":
    main()

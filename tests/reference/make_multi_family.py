#!/usr/bin/env python3
"""Builds fixtures/multi_family.sto: a multi-record Stockholm file for --all-families tests.

Records: the four real protein seeds of fixtures/ (PF00076, its PF00076.13 release, fn3, LuxC),
six derived records (each real seed split into halves of its sequences, with IDs marked
`_half1`/`_half2`), and two broken records copied from fixtures/stockholm/: an RNA family and
a family with a duplicated sequence name. Our own script; run from the repository root.
"""
import re

def records(path):
    text = open(path).read()
    return [r.strip() + "\n" for r in re.split(r"(?m)^//\s*$", text) if r.strip()]

def halves(rec, name):
    lines = rec.splitlines()
    seq_names = []
    for l in lines:
        if l and not l.startswith("#"):
            n = l.split()[0]
            if n not in seq_names:
                seq_names.append(n)
    out = []
    for part, keep in (("half1", set(seq_names[: len(seq_names) // 2])), ("half2", set(seq_names[len(seq_names) // 2 :]))):
        body = []
        for l in lines:
            if l.startswith("#=GF ID"):
                body.append(f"#=GF ID   {name}_{part}")
            elif l.startswith("#=GS") or l.startswith("#=GR"):
                if l.split()[1] in keep:
                    body.append(l)
            elif l and not l.startswith("#"):
                if l.split()[0] in keep:
                    body.append(l)
            else:
                body.append(l)
        out.append("\n".join(body) + "\n")
    return out

real = [
    ("fixtures/PF00076.sto", "RRM_1"),
    ("fixtures/stockholm/PF00076_v13_hmmer_testsuite.sto", "RRM_1_v13"),
    ("fixtures/stockholm/PF00041_fn3.sto", "fn3"),
    ("fixtures/stockholm/LuxC_multiblock.sto", "LuxC"),
]
out = []
for path, name in real:
    rec = records(path)[0]
    out.append(rec)
for path, name in real[:3]:
    out.extend(halves(records(path)[0], name))
out.append(records("fixtures/stockholm/RF00101_rna.sto")[0])
out.append(records("fixtures/stockholm/PF00007_duplicate_name.sto")[0])
with open("fixtures/multi_family.sto", "w") as f:
    for r in out:
        f.write(r if r.endswith("\n") else r + "\n")
        f.write("//\n")
print(len(out), "records")

"""The gather step of the Pfam workflow: every family's results into two tables.

families.tsv: one row per record, the columns of `satool protein --all-families` (families.json),
from the family's results.json, or its error (error.txt, written when satool refused the family).
sequences.tsv.gz: every family's generated sequences (the summary method's <id>.tsv) with the
family's accession (its ID when it has none) and record number in front; gzip without a time
stamp, so a rerun writes the same bytes.

Usage: gather.py --records index/records.tsv --families families.tsv --sequences sequences.tsv.gz results/001_X ...
"""

import argparse
import csv
import gzip
import json
import os
import sys

COLUMNS = [
    "ordinal", "id", "accession", "K", "cleaned_sequences", "L", "d", "beta_star", "row", "novelty",
    "kl_composition", "kl_position", "mi_r", "hmm_pass", "cij_r", "mi_r_apc", "frac_over_90",
    "held_out_nn_identity", "held_out_null_nn_identity", "held_out_auc", "held_out_null_auc", "seconds",
    "directory", "error",
]
# With `--holdout` in `extra`: the held-out columns, means over folds of families.json's
# held_out.<score>.mean (the row's) and held_out_null.<score>.mean (the family's null).
HELD_OUT = {"held_out_nn_identity": "nn_identity", "held_out_auc": "auc"}


def summary_method(methods):
    """The row --all-families reports: sa_gen when it ran, else the first method at the
    generation temperature (the *_gen ids), else the first."""
    for pick in (lambda i: i == "sa_gen", lambda i: i.endswith("_gen"), lambda i: True):
        found = [m for m in methods if pick(m["id"])]
        if found:
            return found[0]
    return None


def text(value):
    """A cell: empty for null, repr for floats (they read back exactly)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def seconds(directory):
    """The job's wall time, from Snakemake's benchmark file of the job."""
    bench = os.path.join("benchmarks", os.path.basename(directory) + ".tsv")
    try:
        with open(bench) as f:
            return float(next(csv.DictReader(f, delimiter="\t"))["s"])
    except (OSError, StopIteration, KeyError, ValueError):
        return None


def family_row(record, directory):
    """The families.tsv row of one record and the method row whose sequences it keeps."""
    row = dict.fromkeys(COLUMNS)
    row.update(ordinal=int(record["ordinal"]), id=record["id"] or None, accession=record["accession"] or None)
    row["seconds"] = seconds(directory)
    error_file = os.path.join(directory, "error.txt")
    if os.path.exists(error_file):
        with open(error_file) as f:
            row["error"] = f.read().strip() or "satool failed without a message"
        return row, None
    with open(os.path.join(directory, "results.json")) as f:
        results = json.load(f)
    p = results["parameters"]
    m = summary_method(results["methods"])
    row.update(
        id=results["input"]["family_id"], accession=results["input"]["accession"], K=p["K"],
        cleaned_sequences=p.get("cleaned_sequences"), L=p["L"], d=p["d"], beta_star=p["beta_star"],
        directory=os.path.basename(directory),
    )
    if m is not None:
        row.update(
            row=m["id"], novelty=m["novelty"]["mean"], kl_composition=m["kl_composition"],
            kl_position=m["kl_position"], mi_r=m["mi_r"], hmm_pass=m["hmm_pass"], cij_r=m["cij_r"],
            mi_r_apc=m["mi_r_apc"], frac_over_90=m["frac_over_90"],
        )
        null = (results.get("holdout") or {}).get("null") or {}
        for column, score in HELD_OUT.items():
            row[column] = ((m.get("held_out") or {}).get(score) or {}).get("mean")
            row[column.replace("held_out_", "held_out_null_")] = (null.get(score) or {}).get("mean")
    return row, m


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", required=True)
    ap.add_argument("--families", required=True)
    ap.add_argument("--sequences", required=True)
    ap.add_argument("directories", nargs="*")
    a = ap.parse_args(argv)
    with open(a.records) as f:
        records = {int(r["ordinal"]): r for r in csv.DictReader(f, delimiter="\t")}
    directories = sorted(a.directories, key=lambda d: int(os.path.basename(d).split("_", 1)[0]))
    with open(a.families + ".tmp", "w", newline="") as fam, open(a.sequences + ".tmp", "wb") as raw:
        table = csv.DictWriter(fam, COLUMNS, delimiter="\t", lineterminator="\n")
        table.writeheader()
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            header_written = False
            for d in directories:
                ordinal = int(os.path.basename(d).split("_", 1)[0])
                row, method = family_row(records[ordinal], d)
                table.writerow({k: text(v) for k, v in row.items()})
                if method is None:
                    continue
                family = row["accession"] or row["id"] or ""
                with open(os.path.join(d, method["id"] + ".tsv"), encoding="utf-8") as f:
                    header = f.readline()
                    if not header_written:
                        gz.write(("family\trecord\t" + header).encode())
                        header_written = True
                    for line in f:
                        gz.write("{}\t{}\t{}".format(family, ordinal, line).encode())
    os.replace(a.families + ".tmp", a.families)
    os.replace(a.sequences + ".tmp", a.sequences)


if __name__ == "__main__":
    main(sys.argv[1:])

"""workflows/pfam run by Snakemake (the venv's pinned version) on the bundled real seeds: each
family's results equal `satool protein --all-families` on the same file, broken records are error
rows, and a run killed part-way finishes the families left when started again."""

import base64
import csv
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli, without

SNAKEFILE = ROOT / "workflows" / "pfam" / "Snakefile"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
OPTIONS = ["--methods", "sa_gen", "--samples", "30"]


def snakemake(workdir, satool_bin, stockholm, *extra, wait=True, ok=True):
    """The workflow on `stockholm`; with ok=False it may fail and is not --quiet (which would
    hide its message too)."""
    args = [
        str(SNAKEMAKE), "-s", str(SNAKEFILE), "--directory", str(workdir), "--cores", "2", "--scheduler", "greedy",
        *(["--quiet", "all"] if ok else []), "--rerun-incomplete", "--config", f"stockholm={stockholm}",
        f"satool={satool_bin}", "samples=30", "hmmer=off", *extra,
    ]
    if not wait:
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0 or not ok, r.stdout + r.stderr
    return r


def all_families(satool_bin, workdir, *extra):
    """--all-families on the workflow's own copy of the file (so results.json names the same path)."""
    r = subprocess.run(
        [str(satool_bin), "protein", "--stockholm", "index/input.sto", "--all-families", *OPTIONS,
         "--no-hmmer", "--out", "all", "-q", *extra],
        cwd=workdir, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    return json.loads((workdir / "all" / "families.json").read_text())


def assert_same_as_all_families(workdir, reference, n_records):
    rows = list(csv.DictReader((workdir / "families.tsv").open(), delimiter="\t"))
    assert len(rows) == len(reference["families"]) == n_records
    sequences = []
    for row, ref in zip(rows, reference["families"]):
        for col in ("id", "accession", "K", "L", "d", "beta_star", "row", "novelty", "kl_composition",
                    "kl_position", "mi_r", "cij_r", "mi_r_apc", "frac_over_90", "directory"):
            got = row[col]
            want = ref[col]
            assert (got if got != "" else None) == (None if want is None else str(want) if not isinstance(want, float) else repr(want)), (col, row, ref)
        # The held-out columns flatten families.json's held_out(_null).<score>.mean.
        for col, key, score in [("held_out_auc", "held_out", "auc"), ("held_out_null_auc", "held_out_null", "auc"),
                                ("held_out_nn_identity", "held_out", "nn_identity"),
                                ("held_out_null_nn_identity", "held_out_null", "nn_identity")]:
            want = ((ref.get(key) or {}).get(score) or {}).get("mean")
            assert row[col] == ("" if want is None else repr(want)), (col, row, ref)
        if ref["error"] is not None:
            # The workflow names the record it asked for in front of the same message.
            assert row["error"].endswith(ref["error"]) and row["directory"] == "", (row, ref)
            continue
        d = row["directory"]
        got = json.loads((workdir / "results" / d / "results.json").read_text())
        want = json.loads((workdir / "all" / d / "results.json").read_text())
        assert without(got, {"seconds"}) == without(want, {"seconds"}), d
        family = ref["accession"] or ref["id"]
        lines = (workdir / "all" / d / "sa_gen.tsv").read_text().splitlines()[1:]
        sequences += [f"{family}\t{row['ordinal']}\t{line}" for line in lines]
    with gzip.open(workdir / "sequences.tsv.gz", "rt") as f:
        assert f.readline().startswith("family\trecord\tname\tsequence\t")
        assert f.read().splitlines() == sequences
    return rows


def test_multi_family_file_matches_all_families(satool_bin, tmp_path):
    # `extra` passes options through; with --holdout families.tsv carries the held-out scores.
    snakemake(tmp_path, satool_bin, ROOT / "fixtures" / "multi_family.sto", "extra=--holdout 0.3")
    rows = assert_same_as_all_families(tmp_path, all_families(satool_bin, tmp_path, "--holdout", "0.3"), 12)
    assert sum(r["held_out_auc"] != "" and r["held_out_null_auc"] != "" for r in rows) == 10, rows
    errors = {r["id"]: r["error"] for r in rows if r["error"]}
    assert set(errors) == {"SraC_RyeA", "Cys_knot"}
    assert "looks like RNA/DNA, not protein" in errors["SraC_RyeA"]
    assert "duplicated sequence name 'GTHB2_ONCKE/26-130'" in errors["Cys_knot"]
    # Each job's wall time is its benchmark file's `s` (Snakemake writes two decimals, so a record
    # refused within 5 ms reads 0.00): every row has one, and they are the 12 files' values.
    benchmarks = sorted(
        float(next(csv.DictReader(f.open(), delimiter="\t"))["s"]) for f in (tmp_path / "benchmarks").glob("*.tsv")
    )
    assert sorted(float(r["seconds"]) for r in rows) == benchmarks and len(benchmarks) == 12
    assert all(float(r["seconds"]) >= 0 for r in rows)


def mutated_records(n, seed=30):
    """n records built from the four real protein seeds of multi_family.sto: each a random 6-12 of
    one seed's sequences with 5% of the residues replaced, named <ID>_m<i> (AC PFM<i>.1); every
    25th record has a sequence name used twice (broken)."""
    text = (ROOT / "fixtures" / "multi_family.sto").read_text()
    seeds = []
    for rec in text.split("# STOCKHOLM 1.0\n")[1:5]:
        rid = next(l.split()[2] for l in rec.splitlines() if l.startswith("#=GF ID"))
        rows = {}  # name -> residues, its blocks joined
        for line in rec.splitlines():
            if line.strip() and not line.startswith("#") and line != "//":
                name, residues = line.split()
                rows[name] = rows.get(name, "") + residues
        seeds.append((rid, list(rows.items())))
    rng = random.Random(seed)
    out = []
    for i in range(n):
        rid, rows = seeds[i % len(seeds)]
        keep = sorted(rng.sample(range(len(rows)), rng.randint(min(6, len(rows)), min(12, len(rows)))))
        out += ["# STOCKHOLM 1.0", f"#=GF ID   {rid}_m{i}", f"#=GF AC   PFM{i:05d}.1"]
        for j in keep:
            name, seq = rows[j]
            seq = "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") if c.isalpha() and rng.random() < 0.05 else c for c in seq)
            out.append(f"{name} {seq}")
        if i % 25 == 24:
            out.append(out[-1])
        out.append("//")
    return "\n".join(out) + "\n"


def test_200_records_stopped_and_started_again(satool_bin, tmp_path):
    sto = tmp_path / "mutated.sto.gz"
    with gzip.open(sto, "wt") as f:
        f.write(mutated_records(200))
    work = tmp_path / "run"
    proc = snakemake(work, satool_bin, sto, wait=False)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list((work / "benchmarks").glob("*.tsv"))) < 20:
        time.sleep(0.2)
    # Killed hard, jobs and all (a lost node; Snakemake 9 can hang on SIGTERM with jobs running).
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    # The jobs Snakemake had not recorded as finished (running, or done in the instant before the
    # kill) are marked incomplete; every other finished job must not run again.
    incomplete = {base64.b64decode(m.name).decode() for m in (work / ".snakemake" / "incomplete").iterdir()}
    done_before = {
        p.stem: p.stat().st_mtime_ns
        for p in (work / "benchmarks").glob("*.tsv")
        if f"results/{p.stem}" not in incomplete
    }
    assert 15 <= len(done_before) < 200, len(done_before)
    assert not (work / "families.tsv").exists()
    snakemake(work, satool_bin, sto, "--unlock")  # the killed run's lock
    snakemake(work, satool_bin, sto)
    # The families finished before the stop were not run again.
    for key, mtime in done_before.items():
        assert (work / "benchmarks" / f"{key}.tsv").stat().st_mtime_ns == mtime, key
    rows = assert_same_as_all_families(work, all_families(satool_bin, work), 200)
    broken = [r for r in rows if r["error"]]
    assert [int(r["ordinal"]) for r in broken] == list(range(25, 201, 25))
    assert all("duplicated sequence name" in r["error"] for r in broken)


def two_records(path):
    """LuxC (a protein family) and SraC_RyeA (RNA, refused by satool) cut from multi_family.sto;
    gzip when the name ends in .gz."""
    records = (ROOT / "fixtures" / "multi_family.sto").read_text().split("# STOCKHOLM 1.0\n")[1:]
    text = "".join("# STOCKHOLM 1.0\n" + r for r in records if "#=GF ID LuxC" in r or "#=GF ID   SraC_RyeA" in r)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (gzip.open(path, "wt") if path.suffix == ".gz" else path.open("w")) as f:
        f.write(text)
    return path


def error_column(workdir):
    return [(r["id"], r["error"]) for r in csv.DictReader((workdir / "families.tsv").open(), delimiter="\t")]


def test_bad_config_fails_before_any_job(satool_bin, tmp_path):
    sto = two_records(tmp_path / "two.sto")
    work = tmp_path / "run"
    for option in ["hmmer=yes", "samples=0", "methods=sa_gen,foo", "threads=0", "sample=60"]:
        r = snakemake(work, satool_bin, sto, option, ok=False)
        key = option.split("=")[0]
        # Snakemake's message names the key (a misspelt one is an additional property).
        assert r.returncode != 0 and "Error validating config file" in r.stderr and key in r.stderr, (option, r.stderr)
        assert not (work / "index").exists() and not (work / "logs").exists(), option


def test_the_schema_knows_every_method(satool_bin):
    # The schema's method ids are the ones satool lists for a wrong one: a new method is added to both.
    r = run_cli(satool_bin, "protein", "--stockholm", str(ROOT / "fixtures" / "PF00076.sto"), "--methods", "nope")
    valid = re.search(r"\(valid: ([^)]*)\)", r.stderr).group(1).split(", ")
    pattern = yaml.safe_load((SNAKEFILE.parent / "config.schema.yaml").read_text())["properties"]["methods"]["pattern"]
    listed = re.search(r"\^\(([^)]*)\)", pattern).group(1).split("|")
    assert sorted(listed) == sorted(valid) and len(valid) == 13, (listed, valid)
    assert pattern == "^({0})(,({0}))*$".format("|".join(listed))


def test_option_satool_refuses_fails_the_run_and_the_rerun_redoes_it(satool_bin, tmp_path):
    # A usage error (clap's, exit 2) fails the jobs: no error rows, nothing kept for a rerun to skip.
    sto = two_records(tmp_path / "two.sto")
    work = tmp_path / "run"
    r = snakemake(work, satool_bin, sto, "extra=--seed x", ok=False)
    assert r.returncode != 0 and "invalid value 'x' for '--seed <SEED>'" in r.stderr, r.stderr
    assert not (work / "families.tsv").exists() and not list(work.glob("results/*")), list(work.glob("results/*"))
    snakemake(work, satool_bin, sto)
    # A record satool refuses for its data is still an error row.
    (luxc, ok), (rna, error) = error_column(work)
    assert (luxc, ok, rna) == ("LuxC", "", "SraC_RyeA") and "looks like RNA/DNA, not protein" in error


def test_changed_options_rerun_the_families(satool_bin, tmp_path):
    sto = two_records(tmp_path / "two.sto")
    work = tmp_path / "run"
    results = work / "results" / "001_LuxC" / "results.json"
    snakemake(work, satool_bin, sto)
    assert json.loads(results.read_text())["parameters"]["samples"] == 30
    snakemake(work, satool_bin, sto, "samples=60")
    assert json.loads(results.read_text())["parameters"]["samples"] == 60


@pytest.mark.parametrize("name", ["multi family.sto", "multi family.sto.gz"])
def test_paths_with_blanks(satool_bin, tmp_path, name):
    sto = two_records(tmp_path / "my data" / name)
    satool = tmp_path / "my bin" / "satool"
    satool.parent.mkdir()
    shutil.copy(satool_bin, satool)
    work = tmp_path / "run dir"
    snakemake(work, satool, sto)
    assert [r[0] for r in error_column(work)] == ["LuxC", "SraC_RyeA"]
    assert sorted(p.name for p in work.iterdir() if not p.name.startswith(".")) == [
        "benchmarks", "families.tsv", "index", "logs", "results", "sequences.tsv.gz"]
    indexed = work / "index" / "input.sto"
    assert indexed.is_symlink() == (name == "multi family.sto") and indexed.read_text().count("//\n") == 2

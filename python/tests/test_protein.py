"""satool.protein against the command line: the same seed gives the same results.json, the same
generated rows and the same scores; bad input raises with the CLI's messages."""

import csv
import json

import numpy as np
import pandas as pd
import pytest

from satool.protein import Family
from conftest import HMM, ROOT, STO, run_cli, without


@pytest.fixture(scope="module")
def fam():
    return Family.from_stockholm(STO)


def read_tsv(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_family_shape_and_temperatures(fam, protein_cli):
    params = json.loads((protein_cli / "results.json").read_text())["parameters"]
    assert (fam.K, fam.L, fam.d) == (params["K"], params["L"], params["d"]) == (68, 71, 59)
    assert fam.beta_star == params["beta_star"]
    assert (fam.beta_gen, fam.beta_ret) == (params["beta_generation"], params["beta_retrieval"]) == (8.0, 77.0)
    assert len(fam.names) == 68 and fam.alignment.index.tolist() == fam.names
    assert all(len(s) == 71 for s in fam.alignment)
    assert fam.info["family_id"] == "RRM_1" and fam.info["accession"] == "PF00076.29"
    assert (fam.memory.d, fam.memory.K) == (59, 68)


def test_compare_equals_results_json(fam, protein_cli):
    table, results = fam.compare(hmm=HMM)
    cli = json.loads((protein_cli / "results.json").read_text())
    # timings differ run to run; hmmer.hmm names the file relative to --out in the CLI's copy
    assert without(results, {"seconds", "hmm"}) == without(cli, {"seconds", "hmm"})
    assert table.index.tolist() == [m["id"] for m in cli["methods"]]
    row = next(m for m in cli["methods"] if m["id"] == "sa_gen")
    assert table.loc["sa_gen", "novelty"] == row["novelty"]["mean"]
    assert table.loc["sa_gen", "novelty_se"] == row["novelty"]["se"]
    assert table.loc["sa_gen", "kl_composition"] == row["kl_composition"]


def test_generate_equals_the_cli_rows(fam, protein_cli):
    for method in ["sa_gen", "exact_ret", "gaussian"]:
        seqs = fam.generate(150, seed=1, method=method)
        tsv = read_tsv(protein_cli / f"{method}.tsv")
        assert list(seqs.columns) == [
            "name", "sequence", "aligned", "energy", "state_energy", "nearest", "identity", "novelty"
        ]
        assert seqs["name"].tolist() == [r["name"] for r in tsv]
        assert seqs["aligned"].tolist() == [r["sequence"] for r in tsv]
        assert seqs["nearest"].tolist() == [r["nearest"] for r in tsv]
        for col in ["energy", "state_energy", "identity", "novelty"]:
            np.testing.assert_allclose(seqs[col], [float(r[col]) for r in tsv], rtol=1e-12, err_msg=method)
        assert (seqs["sequence"] == seqs["aligned"].str.replace("-", "", regex=False)).all()
        assert seqs.attrs["beta"] == float(tsv[0]["beta"])
    assert seqs.attrs["acceptance"] is None


def test_core_sampler_reproduces_the_cli_row(fam, protein_cli):
    """Memory.sample with the row's stream name gives the CLI's sa_gen states: their mean energy
    at β_ret is results.json's energy column."""
    cli = json.loads((protein_cli / "results.json").read_text())
    row = next(m for m in cli["methods"] if m["id"] == "sa_gen")
    mem = fam.memory
    xs, diag = mem.sample(150, fam.beta_gen, method="ula", seed=1, label="sa_gen", return_diagnostics=True)
    assert mem.energy(xs, fam.beta_ret).mean() == pytest.approx(row["energy"]["mean"], rel=1e-12)
    assert diag["rhat"] == pytest.approx(row["convergence"]["rhat"], rel=1e-12)
    xs = mem.sample(150, fam.beta_ret, method="exact", seed=1, label="exact_ret")
    exact = next(m for m in cli["methods"] if m["id"] == "exact_ret")
    assert mem.energy(xs, fam.beta_ret).mean() == pytest.approx(exact["energy"]["mean"], rel=1e-12)


def test_generate_options_and_fasta(fam, protein_cli, tmp_path, satool_bin):
    a = fam.generate(60, seed=4, decode="published")
    assert len(a) == 60 and a.attrs["method"] == "sa_gen"
    pd.testing.assert_frame_equal(a, fam.generate(60, seed=4, decode="published"))
    assert not a["aligned"].equals(fam.generate(60, seed=5, decode="published")["aligned"])
    hot = fam.generate(30, beta=2.0, seed=4)
    assert hot.attrs["beta"] == 2.0
    assert fam.generate(30, seed=4).attrs["beta"] == fam.beta_gen  # the family's β is restored
    # to_fasta writes the CLI's <id>.fasta (here without HMMER, whose scores the CLI adds)
    out = tmp_path / "cli"
    r = run_cli(satool_bin, "protein", "--stockholm", str(STO), "--no-hmmer", "--methods", "sa_gen", "--out", str(out), "-q")
    assert r.returncode == 0, r.stderr
    seqs = fam.generate(150, seed=1)
    seqs.to_fasta(tmp_path / "py.fasta")
    seqs.to_fasta(tmp_path / "py.aligned.fasta", aligned=True)
    assert (tmp_path / "py.fasta").read_text() == (out / "sa_gen.fasta").read_text()
    assert (tmp_path / "py.aligned.fasta").read_text() == (out / "sa_gen.aligned.fasta").read_text()


def test_score_equals_the_cli(fam, satool_bin):
    fasta = ROOT / "fixtures" / "PF00076_evaluate.aligned.fasta"
    r = run_cli(satool_bin, "protein", "--stockholm", str(STO), "--score", str(fasta), "--json", "-q")
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    records = []
    for line in fasta.read_text().splitlines():
        if line.startswith(">"):
            records.append((line[1:].split()[0], ""))
        elif line.strip():
            records[-1] = (records[-1][0], records[-1][1] + line.strip())
    scores = fam.score(records)
    assert scores["name"].tolist() == [s["name"] for s in cli]
    np.testing.assert_allclose(scores["energy"], [s["energy"] for s in cli], rtol=1e-12)
    assert scores["nearest"].tolist() == [s["nearest"] for s in cli]
    # the family fitness of --score, the same numbers; a stored member scores above its reversal
    np.testing.assert_allclose(scores["fitness"], [s["fitness"] for s in cli], rtol=1e-12)
    assert "fitness" not in scores.attrs
    member = fam.score([("m", records[0][1]), ("r", records[0][1][::-1])]).set_index("name")["fitness"]
    assert member["m"] > member["r"] + 1.0
    assert scores.attrs["beta"] == fam.beta_gen
    # a dict and plain strings work too
    assert fam.score(dict(records)).equals(scores)
    assert fam.score([s for _, s in records])["name"].str.startswith("seq").all()


def test_errors_carry_the_cli_messages(fam, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.sto: cannot read"):
        Family.from_stockholm(tmp_path / "missing.sto")
    bad = tmp_path / "bad.sto"
    bad.write_text("hello\n")
    with pytest.raises(ValueError, match=r"bad.sto:1: missing '# STOCKHOLM 1.0' header"):
        Family.from_stockholm(bad)
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        fam.generate(10, method="nope")
    with pytest.raises(ValueError, match="--methods: unknown method 'nope'"):
        fam.compare(methods=["nope"])
    with pytest.raises(ValueError, match="--alpha must be in"):
        Family.from_stockholm(STO, alpha=2.0)
    with pytest.raises(ValueError, match="out of range: 1e-6 ≤ β ≤ 1e6"):
        fam.generate(10, beta=-1.0)
    with pytest.raises(ValueError, match="^beta = 1e300 is out of range: 1e-6 ≤ β ≤ 1e6$"):
        fam.generate(10, beta=1e300)
    with pytest.raises(ValueError, match=r"sequences:1: sequence 'short' \(line 1\) has length 4; .*\(expected 71\)"):
        fam.score([("short", "ACDE")])
    with pytest.raises(ValueError, match="no record"):
        Family.from_stockholm(ROOT / "fixtures" / "multi_family.sto", family="NOPE")


def test_list_arguments_names_and_empty_tables(fam, tmp_path):
    with pytest.raises(FileNotFoundError, match="^--hmm .*missing.hmm: cannot read: No such file or directory"):
        fam.compare(hmm=tmp_path / "missing.hmm")
    # One id or path is one item, not its letters; no method is an error.
    table, _ = fam.compare(methods="bootstrap", samples=20, hmmer="off")
    assert table.index.tolist() == ["bootstrap"]
    with pytest.raises(ValueError, match="names no method"):
        fam.compare(methods=[], hmmer="off")
    with pytest.raises(FileNotFoundError, match="missing.fasta: cannot read"):
        fam.compare(methods="bootstrap", samples=20, hmmer="off", evaluate=str(tmp_path / "missing.fasta"))
    # Every sample removed by max_identity: an empty table (the CLI's warning), not a KeyError.
    with pytest.warns(UserWarning, match="removed every sample"):
        table, results = fam.compare(methods="sa_gen", samples=20, hmmer="off", max_identity=0.0)
    assert table.empty and table.index.name == "id" and results["methods"] == []
    # Names travel as FASTA names: a blank would cut them, so it is refused, as a repeated name.
    seq = fam.alignment.iloc[0]
    for records, message in [
        ([("seq one", seq)], "sequence 1 has the name 'seq one'; names must be non-empty without blanks"),
        ([("a", seq), ("a", seq)], "sequences 1 and 2 are both named 'a'"),
        ([("a", seq[:10] + "\n>b\n" + seq[10:])], "'a' holds a blank, a line break or '>'"),
    ]:
        with pytest.raises(ValueError, match=message):
            fam.score(records)


def cli_error(satool_bin, *args):
    """The message `satool ARGS` exits 2 with, without `error: ` and clap's hint lines."""
    r = run_cli(satool_bin, *args)
    assert r.returncode == 2, r.stderr
    return r.stderr.removeprefix("error: ").split("\n\n")[0].rstrip("\n")


@pytest.mark.parametrize(
    "cli, call",
    [
        (["--samples", "0"], lambda fam: fam.compare(samples=0)),
        (["--max-sequences", "2"], lambda fam: Family.from_stockholm(STO, max_sequences=2)),
        (["--max-sequences", "some"], lambda fam: Family.from_stockholm(STO, max_sequences="some")),
        (["--beta-gen", "0"], lambda fam: Family.from_stockholm(STO, beta_gen=0.0)),
        (["--max-identity", "1.5"], lambda fam: fam.compare(max_identity=1.5)),
        (["--hmmer-timeout", "0"], lambda fam: fam.compare(hmmer_timeout=0.0)),
        (["--decode", "bad"], lambda fam: Family.from_stockholm(STO, decode="bad")),
        (["--precision", "f16"], lambda fam: Family.from_stockholm(STO, precision="f16")),
        (["--hmmer", "sometimes"], lambda fam: fam.compare(hmmer="sometimes")),
        (["--methods", "sa_gen,sa_gen"], lambda fam: fam.compare(methods=["sa_gen", "sa_gen"])),
    ],
)
def test_bad_values_raise_the_cli_message(fam, satool_bin, cli, call):
    with pytest.raises(ValueError) as e:
        call(fam)
    assert str(e.value) == cli_error(satool_bin, "protein", "--stockholm", str(STO), *cli)


def test_a_wrong_type_names_the_parameter(fam):
    with pytest.raises(TypeError, match="argument 'samples': 'str' object cannot be interpreted as an integer"):
        fam.compare(samples="ten")
    with pytest.raises(TypeError, match="argument 'alpha'"):
        Family.from_stockholm(STO, alpha="small")
    with pytest.raises(TypeError, match="argument 'extended'"):
        fam.compare(extended="yes")
    with pytest.raises(ValueError, match="argument 'seed'"):
        Family.from_stockholm(STO, seed=-1)


def test_warnings_go_through_the_warnings_module_naming_the_family(capfd):
    """A run's warnings are SatoolWarnings naming the file and record (nothing on stderr); the
    default operating point on PF00076 raises none (its R̂ is within the protocol's own spread)."""
    import warnings

    import satool

    small = Family.from_stockholm(STO, max_sequences=3)
    with pytest.warns(satool.SatoolWarning) as caught:
        _, results = small.compare(methods=["sa_gen"], hmmer="off")
    messages = [str(w.message) for w in caught]
    assert messages == [f"{STO}, record 'RRM_1': {w}" for w in results["warnings"]]
    assert any(m.endswith("K = 3 sequences: too few to trust the encoding and the metrics (warned at K ≤ 10)") for m in messages)
    assert issubclass(satool.SatoolWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", satool.SatoolWarning)
        _, results = Family.from_stockholm(STO).compare(methods=["sa_gen"], hmmer="off")
    assert results["warnings"] == []
    assert "warning" not in capfd.readouterr().err


def test_methods_table_with_a_one_sample_row():
    """A row whose diversity is null (one sample) beside rows with an estimate: one ``diversity``
    column, NaN in that row (not a second column of the same name)."""
    from satool.protein import methods_table

    results = {"methods": [
        {"id": "sa_gen", "n": 150, "diversity": {"mean": 0.8, "se": 0.01}},
        {"id": "file:one", "n": 1, "diversity": None},
    ]}
    df = methods_table(results)
    assert list(df.columns) == ["n", "diversity", "diversity_se"]
    assert df.loc["sa_gen", "diversity"] == 0.8 and np.isnan(df.loc["file:one", "diversity"])

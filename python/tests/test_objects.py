"""Objects in and out: a Family from an open file, a Biopython alignment or a pyhmmer MSA is the
family of the Stockholm file they were read from; generated rows as Biopython SeqRecords and
pyhmmer sequences. Biopython and pyhmmer are test dependencies only (scripts/test installs them);
satool imports neither."""

import gzip
import io
import subprocess
import sys

import numpy as np
import pytest
from Bio import Align, AlignIO
from Bio.Align import MultipleSeqAlignment
from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord

import pyhmmer
from satool.protein import Family
from conftest import HMM, ROOT, STO


@pytest.fixture(scope="module")
def fam():
    return Family.from_stockholm(STO)


def same_family(other, fam):
    """The same record, cleaning, encoding and memory, so the same generated rows."""
    assert (other.K, other.L, other.d) == (fam.K, fam.L, fam.d) == (68, 71, 59)
    assert other.names == fam.names
    # gaps as the source wrote them: Biopython and a DigitalMSA give '-' for the file's '.'
    gaps = str.maketrans(".", "-")
    assert [a.translate(gaps) for a in other.alignment] == [a.translate(gaps) for a in fam.alignment]
    assert other.beta_star == fam.beta_star and (other.beta_gen, other.beta_ret) == (fam.beta_gen, fam.beta_ret)
    np.testing.assert_array_equal(other.memory.X, fam.memory.X)
    a, b = other.generate(20, seed=3), fam.generate(20, seed=3)
    assert a["aligned"].tolist() == b["aligned"].tolist()
    np.testing.assert_array_equal(a["energy"], b["energy"])


def test_biopython_alignments_are_the_stockholm_family(fam):
    msa = AlignIO.read(STO, "stockholm")  # MultipleSeqAlignment: '.' read as '-', no ID kept
    other = Family.from_alignment(msa)
    same_family(other, fam)
    assert other.info["path"] == "<Bio.Align.MultipleSeqAlignment>" and other.info["family_id"] is None
    aln = Align.read(STO, "stockholm")  # Bio.Align.Alignment keeps #=GF ID and AC
    other = Family.from_alignment(aln)
    same_family(other, fam)
    assert (other.info["family_id"], other.info["accession"]) == ("RRM_1", "PF00076.29")


@pytest.mark.parametrize("digital", [False, True])
def test_pyhmmer_msas_are_the_stockholm_family(fam, digital):
    with pyhmmer.easel.MSAFile(str(STO), digital=digital) as f:
        msa = f.read()
    assert type(msa).__name__ == ("DigitalMSA" if digital else "TextMSA")
    other = Family.from_alignment(msa)
    same_family(other, fam)
    assert (other.info["family_id"], other.info["accession"]) == ("RRM_1", "PF00076.29")


def test_open_files_text_binary_and_gzip(fam):
    with open(STO) as f:
        other = Family.from_stockholm(f)
    same_family(other, fam)
    assert other.info["path"] == str(STO)
    other = Family.from_stockholm(io.BytesIO(gzip.compress(STO.read_bytes())))
    same_family(other, fam)
    assert other.info["path"] == "<file object>"


def test_compare_on_an_object_equals_the_path_route(fam):
    _, by_path = fam.compare(methods=["bootstrap", "exact_gen"], hmmer="off")
    _, by_object = Family.from_alignment(AlignIO.read(STO, "stockholm")).compare(methods=["bootstrap", "exact_gen"], hmmer="off")
    assert by_object["methods"][1]["novelty"] == by_path["methods"][1]["novelty"]
    assert by_object["parameters"]["K"] == by_path["parameters"]["K"] == 68


def test_bad_objects_say_what_was_found():
    with pytest.raises(TypeError, match=r"got builtins.list \(for a file or a path use Family.from_stockholm\)"):
        Family.from_alignment([("a", "ACD")])
    with pytest.raises(ValueError, match="sequences 1 and 2 are both named 'a'"):
        Family.from_alignment(MultipleSeqAlignment([SeqRecord(Seq("ACDE"), id="a"), SeqRecord(Seq("ACDF"), id="a")]))
    with pytest.raises(ValueError, match="sequence 2 has the name 'b c'; names must be non-empty without blanks"):
        Family.from_alignment(MultipleSeqAlignment([SeqRecord(Seq("ACDE"), id="a"), SeqRecord(Seq("ACDF"), id="b c")]))
    # Stockholm would read the row as markup and drop it without a word.
    with pytest.raises(ValueError, match="sequence 2 has the name '#b'; Stockholm reads a line starting with '#'"):
        Family.from_alignment(MultipleSeqAlignment([SeqRecord(Seq("ACDE"), id="a"), SeqRecord(Seq("ACDF"), id="#b")]))
    # a parse error names the object, with the reader's line number
    with pytest.raises(ValueError, match="<file object>:3: rows of unequal length: 'a' has 4 columns but 'b' has 3"):
        Family.from_stockholm(io.StringIO("# STOCKHOLM 1.0\na ACDE\nb ACD\n//\n"))


def test_generated_rows_as_seqrecords_and_pyhmmer_sequences(fam):
    seqs = fam.generate(12, seed=2)
    headers = [line[1:] for line in _fasta_headers(seqs)]
    records = seqs.to_seqrecords()
    assert [r.id for r in records] == seqs["name"].tolist()
    assert [str(r.seq) for r in records] == seqs["sequence"].tolist()
    assert [f"{r.id} {r.description}" for r in records] == headers
    assert [str(r.seq) for r in seqs.to_seqrecords(aligned=True)] == seqs["aligned"].tolist()
    text = seqs.to_pyhmmer()
    # pyhmmer ≥ 0.12 gives names as str, older versions as bytes
    assert [s.name if isinstance(s.name, str) else s.name.decode() for s in text] == seqs["name"].tolist()
    assert [s.sequence for s in text] == seqs["sequence"].tolist()
    # digital sequences go straight into pyhmmer.hmmsearch: every sa_gen row hits the family HMM
    with pyhmmer.plan7.HMMFile(str(HMM)) as f:
        hmm = f.read()
    hits = next(iter(pyhmmer.hmmsearch([hmm], seqs.to_pyhmmer(digital=True), cpus=1)))
    hit_names = [h.name if isinstance(h.name, str) else h.name.decode() for h in hits if h.included]
    assert sorted(hit_names) == sorted(seqs["name"])


def _fasta_headers(seqs):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = f"{d}/x.fasta"
        seqs.to_fasta(path)
        return [line.rstrip("\n") for line in open(path) if line.startswith(">")]


def test_satool_imports_neither_biopython_nor_pyhmmer():
    code = "import sys, satool, satool.protein, satool.finance; print(sorted(m for m in ('Bio', 'pyhmmer') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr

"""Protein families: a Pfam seed alignment → novel family sequences (``satool protein``).

>>> from satool.protein import Family
>>> fam = Family.from_stockholm("fixtures/PF00076.sto")
>>> fam.K, fam.L, fam.d                       # (68, 71, 59)
>>> seqs = fam.generate(150, seed=1)          # DataFrame: name, sequence, aligned, energy, …
>>> seqs.to_fasta("sa_gen.fasta")
>>> records = seqs.to_seqrecords()          # Biopython SeqRecords (to_pyhmmer(): pyhmmer sequences)
>>> Family.from_alignment(Bio.AlignIO.read("fixtures/PF00076.sto", "stockholm"))   # or a pyhmmer MSA
>>> table, results = fam.compare(hmm="fixtures/PF00076.hmm")   # results == results.json

Everything runs the command line's code (the app's library) with its defaults: the same seed
gives the same sequences and the same results.json as ``satool protein``.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import IO, Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _args, _native
from ._native import Memory
from ._warn import warn_results

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]

COLUMNS = ["name", "sequence", "aligned", "energy", "state_energy", "nearest", "identity", "novelty"]


class Sequences(pd.DataFrame):
    """Scored sequences, one row each: name, sequence (ungapped), aligned (on the family's L
    cleaned columns), energy (of the sequence, encoded as the memories are, at ``attrs["beta"]``;
    lower = more probable), state_energy (of the sampler state it was decoded from; None for
    scored sequences), nearest stored sequence, identity to it (gaps skipped), novelty (1 − max cosine to a stored memory).
    ``attrs`` holds the method, β and, for chain methods, acceptance, R̂ and bulk ESS."""

    @property
    def _constructor(self):
        return Sequences

    def to_fasta(self, path: PathLike, aligned: bool = False) -> None:
        """Writes the rows as the CLI writes ``<id>.fasta`` (ungapped; ``aligned=True``: the
        aligned rows, as ``<id>.aligned.fasta``), with ``key=value`` scores in the headers."""
        _native.write_scored_fasta(os.fspath(path), self._rows(), not aligned)

    def to_seqrecords(self, aligned: bool = False) -> list:
        """The rows as Biopython ``SeqRecord`` objects: id = name, description = the CLI's
        FASTA header scores (``energy=… beta=… nearest=… identity=… novelty=…``), seq = the
        ungapped sequence (``aligned=True``: the aligned row). Needs Biopython (``pip install
        biopython``); satool itself does not."""
        try:
            from Bio.Seq import Seq
            from Bio.SeqRecord import SeqRecord
        except ImportError as e:
            raise ImportError(f"to_seqrecords needs Biopython (pip install biopython): {e}") from None
        return [
            SeqRecord(Seq(seq), id=name, name=name, description=scores)
            for name, seq, scores in self._records(aligned)
        ]

    def to_pyhmmer(self, aligned: bool = False, digital: bool = False) -> list:
        """The rows as pyhmmer ``TextSequence`` objects (name, description as in
        :meth:`to_seqrecords`, the ungapped sequence; ``aligned=True``: the aligned row), or with
        ``digital=True`` ``DigitalSequence`` objects in the amino alphabet, ready for
        ``pyhmmer.hmmsearch``. Needs pyhmmer (``pip install pyhmmer``); satool itself does not."""
        try:
            from pyhmmer import easel
        except ImportError as e:
            raise ImportError(f"to_pyhmmer needs pyhmmer (pip install pyhmmer): {e}") from None
        seqs = [
            easel.TextSequence(name=name.encode(), description=scores.encode(), sequence=seq)
            for name, seq, scores in self._records(aligned)
        ]
        if digital:
            amino = easel.Alphabet.amino()
            return [s.digitize(amino) for s in seqs]
        return seqs

    def _records(self, aligned: bool) -> List[Tuple[str, str, str]]:
        """(name, sequence, the header's scores) per row."""
        headers = _native.scored_headers(self._rows())
        column = "aligned" if aligned else "sequence"
        return [
            (str(name), str(seq), header[len(str(name)) :].strip())
            for name, seq, header in zip(self["name"], self[column], headers)
        ]

    def _rows(self) -> list:
        beta = float(self.attrs.get("beta", float("nan")))
        return [
            (
                str(r.name),
                str(r.aligned),
                beta,
                float(r.energy),
                None if pd.isna(r.state_energy) else float(r.state_energy),
                str(r.nearest),
                float(r.identity),
                float(r.novelty),
            )
            for r in self.itertuples(index=False)
        ]


def _sequences(cols: Dict[str, Any]) -> Sequences:
    # Scored sequences (Family.score) also carry the family fitness.
    names = COLUMNS + [c for c in ("fitness",) if c in cols]
    df = Sequences({c: cols[c] for c in names})
    df.attrs.update({k: v for k, v in cols.items() if k not in names})
    return df


def methods_table(results: Dict[str, Any]) -> pd.DataFrame:
    """The comparison table of a results dict: one row per method id; an estimate's mean keeps
    the metric's name and its standard error gets ``_se`` (``novelty``, ``novelty_se``)."""
    if not results["methods"]:
        # Every row emptied (max_identity): a table with no rows, not a KeyError.
        return pd.DataFrame(index=pd.Index([], name="id"))
    df = pd.json_normalize(results["methods"], sep="_")
    # An estimate that is null in some rows (diversity of a one-sample row) is also a column of
    # its own beside ``<name>_mean``: its rows are NaN in ``<name>_mean`` already.
    df = df.drop(columns=[c for c in df.columns if f"{c}_mean" in df.columns])
    df.columns = [c[: -len("_mean")] if c.endswith("_mean") else c for c in df.columns]
    return df.set_index("id")


class Family:
    """One Stockholm record, cleaned, PCA-encoded, with its memory and temperatures (β*, β_gen =
    round(2β*), β_ret = round(20β*)), as ``satool protein`` builds it. Create it with
    :meth:`from_stockholm` (a path or an open file) or :meth:`from_alignment` (a Biopython or
    pyhmmer alignment)."""

    def __init__(self, native: "_native.Family", options: Dict[str, Any]):
        self._native = native
        self._options = options
        self._info = native.info()

    @classmethod
    def from_stockholm(
        cls,
        source: Source,
        family: Optional[str] = None,
        *,
        seed: int = 1,
        max_sequences: Union[int, str] = 100,
        alpha: float = 0.01,
        precision: str = "f64",
        beta_gen: Optional[float] = None,
        beta_ret: Optional[float] = None,
        decode: Optional[str] = None,
        condition_names: Optional[str] = None,
    ) -> "Family":
        """Reads a Stockholm file (plain or gzip): a path, or an open file (text or binary, read
        to its end). ``family``: which record of a multi-record file (#=GF ID, AC, or "#N"). The
        other options are the CLI's (``--seed``, ``--max-sequences`` (an int or "all"),
        ``--alpha``, ``--precision``, ``--beta-gen``, ``--beta-ret``, ``--decode`` (None: the
        CLI's default, ``calibrated``), ``--condition-names``). Raises OSError when the file
        cannot be read and ValueError (with the CLI's file:line message) when it is not a usable
        alignment."""
        options = dict(
            family=family,
            seed=seed,
            max_sequences=max_sequences,
            alpha=alpha,
            precision=precision,
            beta_gen=beta_gen,
            beta_ret=beta_ret,
            decode=decode,
            condition_names=condition_names,
        )
        if hasattr(source, "read"):
            return cls._from_text(_read_text(source), str(getattr(source, "name", "<file object>")), options)
        options = dict(stockholm=os.fspath(source), **options)
        return cls(_native.Family(**options), options)

    @classmethod
    def from_alignment(cls, alignment: Any, **options: Any) -> "Family":
        """A family from an alignment object: a Biopython ``MultipleSeqAlignment``
        (``Bio.AlignIO``) or ``Alignment`` (``Bio.Align``), or a pyhmmer ``TextMSA`` or
        ``DigitalMSA``. Its rows are read as the Stockholm reader reads a file's (the same
        cleaning, encoding and numbers as :meth:`from_stockholm` on the file it came from); the
        family's ID and accession are kept when the object has them (``Bio.Align``, pyhmmer).
        ``options``: those of :meth:`from_stockholm` (``family`` excepted). Neither Biopython nor
        pyhmmer is needed to import satool."""
        names, rows, ident, accession, kind = _alignment_rows(alignment)
        return cls._from_text(_stockholm_text(names, rows, ident, accession, kind), f"<{kind}>", options)

    @classmethod
    def _from_text(cls, text: str, label: str, options: Dict[str, Any]) -> "Family":
        """The family of Stockholm ``text``; ``label`` names it in messages and results."""
        defaults = dict(seed=1, max_sequences=100, alpha=0.01, precision="f64")
        options = dict(stockholm=label, **{**defaults, **options})
        return cls(_native.Family(text, **options), options)

    @property
    def K(self) -> int:
        """Stored sequences (after cleaning and the --max-sequences cap)."""
        return self._native.K

    @property
    def L(self) -> int:
        """Cleaned alignment columns."""
        return self._native.L

    @property
    def d(self) -> int:
        """PCA dimension of the memory (95% of the variance)."""
        return self._native.d

    @property
    def names(self) -> List[str]:
        """Names of the stored sequences."""
        return self._native.names

    @property
    def alignment(self) -> pd.Series:
        """The cleaned alignment: stored sequences on the L columns, indexed by name."""
        return pd.Series(self._native.alignment, index=self._native.names, name="aligned")

    @property
    def info(self) -> Dict[str, Any]:
        """The header's numbers: β* and its rule, β_gen, β_ret, variance retained, input size."""
        return dict(self._info)

    @property
    def beta_star(self) -> float:
        return self._info["beta_star"]

    @property
    def beta_gen(self) -> float:
        return self._info["beta_gen"]

    @property
    def beta_ret(self) -> float:
        return self._info["beta_ret"]

    @property
    def memory(self) -> Memory:
        """The memory the samplers draw from (the K stored sequences' d PCA codes), as a
        :class:`satool.Memory`; ``memory.X`` is (K, d)."""
        return self._native.memory

    def generate(
        self,
        n: int = 150,
        beta: Optional[float] = None,
        decode: Optional[str] = None,
        seed: Optional[int] = None,
        method: str = "sa_gen",
    ) -> Sequences:
        """``n`` new sequences from ``method`` (default ``sa_gen``: ULA chains at β_gen, the
        generator; any method id of the CLI works), decoded with ``decode`` (default: the
        family's; "calibrated" is the decode it chose for the family), scored like the CLI's
        ``<id>.tsv``. ``beta`` replaces the method's temperature. With the family's seed and
        n = 150 these are the rows of ``satool protein``'s ``<method>.fasta``. The GIL is released
        while sampling."""
        cols = self._native.generate(n, method, beta, decode, seed)
        return _sequences(cols)

    def score(self, sequences: Union[Dict[str, str], "pd.Series", Iterable[Union[str, Tuple[str, str]]]]) -> Sequences:
        """Ranks aligned sequences (on the L cleaned columns) by energy at β_gen, lowest first,
        with nearest stored sequence, identity, novelty and ``fitness`` (the family fitness: the
        pair log-odds of the stored members, nats, higher is fitter; it ranks members above
        column-shuffled members above random sequences), as ``satool protein --score``. Takes a
        dict or Series name → sequence, or a list of sequences or (name, sequence) pairs."""
        if isinstance(sequences, (dict, pd.Series)):
            records = [(str(k), str(v)) for k, v in sequences.items()]
        else:
            records = []
            for i, item in enumerate(sequences):
                if isinstance(item, str):
                    records.append((f"seq{i + 1}", item))
                else:
                    name, seq = item
                    records.append((str(name), str(seq)))
        if not records:
            raise ValueError("sequences: nothing to score (no sequence given)")
        seen: Dict[str, int] = {}
        for i, (name, seq) in enumerate(records):
            # The records travel as FASTA, whose name ends at the first blank.
            if not name or any(c.isspace() for c in name) or name.startswith(">"):
                raise ValueError(f"sequences: sequence {i + 1} has the name {name!r}; names must be non-empty without blanks")
            if name in seen:
                raise ValueError(f"sequences: sequences {seen[name] + 1} and {i + 1} are both named {name!r}; names must be unique")
            if any(c.isspace() or c == ">" for c in seq):
                raise ValueError(f"sequences: {name!r} holds a blank, a line break or '>'; give one aligned sequence per name")
            seen[name] = i
        return _sequences(self._native.score(records))

    def compare(
        self,
        methods: Optional[Sequence[str]] = None,
        hmm: Optional[PathLike] = None,
        hmmer: str = "auto",
        samples: int = 150,
        seed: Optional[int] = None,
        extended: bool = False,
        max_identity: Optional[float] = None,
        evaluate: Optional[Sequence[PathLike]] = None,
        hmmer_timeout: Optional[float] = None,
    ) -> Tuple[pd.DataFrame, Dict[str, Any]]:
        """The comparison table of ``satool protein``: (DataFrame indexed by method id, the full
        results dict — the content of results.json). ``methods``: ids (default all 13);
        ``hmm``: the profile HMM for hmmsearch (without it, one is built with hmmbuild);
        ``hmmer``: "auto", "require" or "off". No file is written. The run's warnings (results'
        ``warnings``, and HMMER not run) are raised as :class:`satool.SatoolWarning`."""
        options = dict(self._options)
        if seed is not None:
            options["seed"] = seed
        options.update(
            methods=_args.ids(methods, "methods"),
            hmm=os.fspath(hmm) if hmm is not None else None,
            hmmer=hmmer,
            samples=samples,
            extended=extended,
            max_identity=max_identity,
            evaluate=_args.paths(evaluate, "evaluate") or None,
            hmmer_timeout=hmmer_timeout,
        )
        results = json.loads(self._native.results(**options))
        warn_results(results)
        return methods_table(results), results

    def __repr__(self) -> str:
        return repr(self._native)


def _read_text(f: Any) -> str:
    """The whole content of an open file, text or binary (gzip-compressed bytes are inflated)."""
    data = f.read()
    if isinstance(data, bytes):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return data.decode("utf-8")
    if not isinstance(data, str):
        raise TypeError(f"the file object's read() returned {type(data).__name__}, not str or bytes")
    return data


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _alignment_rows(aln: Any) -> Tuple[List[str], List[str], Optional[str], Optional[str], str]:
    """(names, aligned rows, ID, accession, kind) of a Biopython or pyhmmer alignment."""
    kind = f"{type(aln).__module__}.{type(aln).__name__}"
    if kind == "pyhmmer.easel.DigitalMSA":
        aln, kind = aln.textize(), "pyhmmer.easel.DigitalMSA"
    if type(aln).__module__.startswith("pyhmmer") and hasattr(aln, "alignment"):
        names = [_text(n) for n in aln.names]
        return names, list(aln.alignment), _text(aln.name), _text(aln.accession), kind
    if type(aln).__module__.startswith("Bio.Align") and hasattr(aln, "coordinates"):
        # Bio.Align.Alignment: row i is aln[i]; ID and AC are in the annotations of a Stockholm read.
        names = [str(s.id) for s in aln.sequences]
        notes = getattr(aln, "annotations", None) or {}
        rows = [str(aln[i]) for i in range(len(aln.sequences))]
        return names, rows, notes.get("identifier"), notes.get("accession"), kind
    if type(aln).__module__.startswith("Bio.Align"):
        # Bio.Align.MultipleSeqAlignment: SeqRecords with aligned sequences.
        return [str(r.id) for r in aln], [str(r.seq) for r in aln], None, None, kind
    raise TypeError(
        f"alignment: expected a Biopython MultipleSeqAlignment or Alignment, or a pyhmmer TextMSA or "
        f"DigitalMSA; got {kind} (for a file or a path use Family.from_stockholm)"
    )


def _stockholm_text(names: List[str], rows: List[str], ident: Optional[str], accession: Optional[str], kind: str) -> str:
    """One Stockholm record of these rows; names are checked first (the format splits a line at
    the first blank and reads a repeated name as the continuation of its row)."""
    if not names:
        raise ValueError(f"{kind}: the alignment has no sequences")
    seen: Dict[str, int] = {}
    for i, name in enumerate(names):
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"{kind}: sequence {i + 1} has the name {name!r}; names must be non-empty without blanks")
        if name.startswith(("#", "//")):
            raise ValueError(f"{kind}: sequence {i + 1} has the name {name!r}; Stockholm reads a line starting with '#' or '//' as markup")
        if name in seen:
            raise ValueError(f"{kind}: sequences {seen[name] + 1} and {i + 1} are both named {name!r}; names must be unique")
        seen[name] = i
    lines = ["# STOCKHOLM 1.0"]
    lines += [f"#=GF {tag} {value}" for tag, value in (("ID", ident), ("AC", accession)) if value]
    lines += [f"{name} {row}" for name, row in zip(names, rows)]
    return "\n".join(lines + ["//", ""])

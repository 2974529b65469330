"""Protein families: a Pfam seed alignment → novel family sequences (``satool protein``).

>>> from satool.protein import Family
>>> fam = Family.from_stockholm("fixtures/PF00076.sto")
>>> fam.K, fam.L, fam.d                       # (68, 71, 59)
>>> seqs = fam.generate(150, seed=1)          # DataFrame: name, sequence, aligned, energy, …
>>> seqs.to_fasta("sa_gen.fasta")
>>> table, results = fam.compare(hmm="fixtures/PF00076.hmm")   # results == results.json

Everything runs the command line's code (the app's library) with its defaults: the same seed
gives the same sequences and the same results.json as ``satool protein``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _native
from ._native import Memory
from ._options import to_args

PathLike = Union[str, "os.PathLike[str]"]

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
        beta = float(self.attrs.get("beta", float("nan")))
        rows = [
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
        _native.write_scored_fasta(os.fspath(path), rows, not aligned)


def _sequences(cols: Dict[str, Any]) -> Sequences:
    df = Sequences({c: cols[c] for c in COLUMNS})
    df.attrs.update({k: v for k, v in cols.items() if k not in COLUMNS})
    return df


def methods_table(results: Dict[str, Any]) -> pd.DataFrame:
    """The comparison table of a results dict: one row per method id; an estimate's mean keeps
    the metric's name and its standard error gets ``_se`` (``novelty``, ``novelty_se``)."""
    df = pd.json_normalize(results["methods"], sep="_")
    df.columns = [c[: -len("_mean")] if c.endswith("_mean") else c for c in df.columns]
    return df.set_index("id")


class Family:
    """One Stockholm record, cleaned, PCA-encoded, with its memory and temperatures (β*, β_gen =
    round(2β*), β_ret = round(20β*)), as ``satool protein`` builds it. Create it with
    :meth:`from_stockholm`."""

    def __init__(self, native: "_native.Family", options: Dict[str, Any]):
        self._native = native
        self._options = options
        self._info = native.info()

    @classmethod
    def from_stockholm(
        cls,
        path: PathLike,
        family: Optional[str] = None,
        *,
        seed: int = 1,
        max_sequences: Union[int, str] = 100,
        alpha: float = 0.01,
        precision: str = "f64",
        beta_gen: Optional[float] = None,
        beta_ret: Optional[float] = None,
        decode: str = "norm",
        condition_names: Optional[str] = None,
    ) -> "Family":
        """Reads a Stockholm file (plain or gzip). ``family``: which record of a multi-record file
        (#=GF ID, AC, or "#N"). The other options are the CLI's (``--seed``, ``--max-sequences``
        (an int or "all"), ``--alpha``, ``--precision``, ``--beta-gen``, ``--beta-ret``,
        ``--decode``, ``--condition-names``). Raises OSError when the file cannot be read and
        ValueError (with the CLI's file:line message) when it is not a usable alignment."""
        options = dict(
            stockholm=os.fspath(path),
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
        return cls(_native.Family(to_args(options)), options)

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
        family's, "norm"), scored like the CLI's ``<id>.tsv``. ``beta`` replaces the method's
        temperature. With the family's seed and n = 150 these are the rows of ``satool protein``'s
        ``<method>.fasta``. The GIL is released while sampling."""
        cols = self._native.generate(n, method, beta, decode, seed)
        return _sequences(cols)

    def score(self, sequences: Union[Dict[str, str], "pd.Series", Iterable[Union[str, Tuple[str, str]]]]) -> Sequences:
        """Ranks aligned sequences (on the L cleaned columns) by energy at β_gen, lowest first,
        with nearest stored sequence, identity and novelty (``satool protein --score``). Takes a
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
        ``hmmer``: "auto", "require" or "off". No file is written."""
        options = dict(self._options)
        if seed is not None:
            options["seed"] = seed
        options.update(
            methods=list(methods) if methods is not None else None,
            hmm=os.fspath(hmm) if hmm is not None else None,
            hmmer=hmmer,
            samples=samples,
            extended=extended,
            max_identity=max_identity,
            evaluate=[os.fspath(p) for p in evaluate] if evaluate else None,
            hmmer_timeout=hmmer_timeout,
        )
        results = json.loads(_native.protein_results(to_args(options)))
        return methods_table(results), results

    def __repr__(self) -> str:
        return repr(self._native)

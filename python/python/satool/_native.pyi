"""Type stubs of the native module (python/src). satool.Memory is this module's Memory; Family,
the functions and their argument lists are used by satool.protein and satool.finance."""

from os import PathLike
from typing import Any, Dict, List, Literal, Optional, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

__version__: str

ArrayLike = npt.ArrayLike
F64Array = npt.NDArray[np.float64]

class Memory:
    """K stored patterns m_k in d dimensions and the Boltzmann law of the modern Hopfield energy
    E(ξ) = ½‖ξ‖² − β⁻¹ log Σ_k exp(β m_kᵀξ) built from them.

    Memory(X): X (K, d), one pattern per row as numpy/scikit-learn hold samples; float64 (any
    layout) or float32 (widened; chains then run in float32 by default); other numbers go through
    numpy.asarray. Memory.from_columns(M) takes the core's (d, K). States are rows."""

    def __init__(self, X: ArrayLike) -> None: ...
    @staticmethod
    def from_columns(M: ArrayLike) -> "Memory":
        """The memory whose patterns are the columns of M (d, K)."""
    @staticmethod
    def from_rows(P: ArrayLike) -> "Memory":
        """The same as Memory(P): patterns as the rows of P (K, d)."""
    @property
    def d(self) -> int: ...
    @property
    def K(self) -> int: ...
    @property
    def X(self) -> F64Array:
        """A copy of the patterns, one per row (K, d): Memory(X).X equals X."""
    def beta_star(self, refined: bool = False) -> Tuple[float, str]:
        """(β*, the rule that produced it): the published entropy-inflection rule, or with
        refined=True the same criterion on continuous β."""
    def attention(self, xi: ArrayLike, beta: float) -> F64Array:
        """softmax(β Xᵀξ): (K,) for ξ of shape (d,), (n, K) for states (n, d)."""
    def energy(self, xi: ArrayLike, beta: float) -> Union[float, F64Array]:
        """E(ξ): a float for ξ of shape (d,), (n,) for states (n, d)."""
    @overload
    def sample(
        self,
        n: int,
        beta: float,
        method: Literal["exact", "ula", "mala"] = "exact",
        alpha: float = 0.01,
        seed: int = 1,
        chains: int = 30,
        precision: Optional[Literal["f64", "f32"]] = None,
        label: Optional[str] = None,
        threads: Optional[int] = None,
        return_diagnostics: Literal[False] = False,
    ) -> F64Array: ...
    @overload
    def sample(
        self,
        n: int,
        beta: float,
        method: Literal["exact", "ula", "mala"] = "exact",
        alpha: float = 0.01,
        seed: int = 1,
        chains: int = 30,
        precision: Optional[Literal["f64", "f32"]] = None,
        label: Optional[str] = None,
        threads: Optional[int] = None,
        *,
        return_diagnostics: Literal[True],
    ) -> Tuple[F64Array, Dict[str, Any]]:
        """n samples (n, d) of p_β ∝ exp(−βE): "exact" i.i.d. mixture draws, or "ula"/"mala"
        chains (published burn-in 2000, kept states 100 steps apart). Stream (seed, label);
        the GIL is released. return_diagnostics=True adds acceptance, rhat, ess_bulk, …"""

class Family:
    """A Stockholm record's model as `satool protein` builds it (use satool.protein.Family). The
    keyword arguments are the command line's options (stockholm, family, seed, max_sequences,
    alpha, precision, beta_gen, beta_ret, decode, condition_names, …) as typed values."""

    def __init__(self, text: Optional[str] = None, **options: Any) -> None:
        """With text: the records of that Stockholm text (stockholm only names it)."""
    K: int
    L: int
    d: int
    names: List[str]
    alignment: List[str]
    memory: Memory
    def info(self) -> Dict[str, Any]: ...
    def generate(
        self, n: int, method: str, beta: Optional[float] = None, decode: Optional[str] = None, seed: Optional[int] = None
    ) -> Dict[str, Any]: ...
    def score(self, records: List[Tuple[str, str]]) -> Dict[str, Any]: ...
    def results(self, **options: Any) -> str:
        """results.json of `satool protein` with these options (as for Family) on this family's
        record, as JSON text."""

def write_scored_fasta(
    path: Union[str, "PathLike[str]"], rows: List[Tuple[str, str, float, float, str, float, float]], strip_gaps: bool
) -> None: ...
def scored_headers(rows: List[Tuple[str, str, float, float, str, float, float]]) -> List[str]:
    """The CLI's FASTA header of each row (name energy=… beta=… …)."""
def read_panel(**options: Any) -> Dict[str, Any]:
    """The price panel `satool finance` reads with these options (prices, start, end, window,
    min_tickers, fill_limit, jump_threshold, drop_suspect, the column names)."""

def finance_results(**options: Any) -> str:
    """results.json of `satool finance` with these options (the reading options, methods, seed,
    weights, backtest_split and the sampler options), as JSON text."""

def finance_backtest(**options: Any) -> Tuple[str, str]:
    """`satool finance --backtest START..END` with these options, backtest=(start, end) among them
    (and refit_every): (results.json as JSON text, backtest.csv as text)."""

def finance_paths(**options: Any) -> Tuple[str, Dict[str, F64Array]]:
    """`satool finance` with these options, scenarios=N and horizon=H among them: (results.json as JSON text,
    {method id: (N, H, tickers) paths})."""

def portfolio_risk(paths: F64Array, weights: List[float], levels: List[float], horizons: List[int]) -> str:
    """VaR/ES and drawdowns of a portfolio over (n, H, tickers) paths, as JSON text (a list with
    one entry per horizon)."""

def take_warnings() -> List[str]:
    """The finance warnings ("FILE: problem") of this thread's calls since the last call."""
    ...

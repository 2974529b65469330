"""Stochastic attention: new, faithful examples from a few stored ones, without training.

The K stored examples are the rows of X (K × d), as numpy and scikit-learn hold samples
(``Memory.from_columns`` takes d × K). The modern Hopfield energy
E(ξ) = ½‖ξ‖² − β⁻¹ log Σ_k exp(β m_kᵀξ) has the gradient ξ − X softmax(β Xᵀξ), one attention
step, so Langevin dynamics on it is a loop of attention steps (arXiv 2603.06875); its Boltzmann
law is exactly a Gaussian mixture, which ``method="exact"`` draws directly.

>>> import numpy as np, satool
>>> mem = satool.Memory(np.random.default_rng(0).standard_normal((500, 64)))   # K = 500, d = 64
>>> beta, rule = mem.beta_star()
>>> xs = mem.sample(1000, beta=8, method="ula", seed=1)      # (1000, 64)

Modules: :mod:`satool.protein` (Pfam seed → novel family sequences), :mod:`satool.finance`
(price history → return scenarios and the comparison table). Every random draw flows from
``seed``: the same seed gives the same numbers as the ``satool`` command line.
"""

from ._native import Memory, __version__
from ._warn import SatoolWarning
from . import finance, protein

__all__ = ["Memory", "SatoolWarning", "__version__", "protein", "finance"]

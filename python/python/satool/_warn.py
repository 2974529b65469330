"""satool's warnings in Python: raised through :mod:`warnings` with their own category, so that a
notebook shows them and ``warnings.filterwarnings("error", category=satool.SatoolWarning)`` or
``"ignore"`` controls them (the command line prints the same text on stderr)."""

from __future__ import annotations

import warnings
from typing import Any, Dict


class SatoolWarning(UserWarning):
    """A result too weak to trust (a small family, repeated or copied samples, chains that have
    not mixed) or a column not computed (HMMER not run); the message names the family."""


def warn_results(results: Dict[str, Any]) -> None:
    """Raises each warning of a protein results dict, naming its family as the CLI does
    (``PATH, record 'ID': …``); a HMMER step that did not run is one too."""
    source = results["input"]["path"]
    ident = results["input"].get("family_id")
    label = f"{source}, record '{ident}'" if ident else source
    status = results.get("hmmer", {}).get("status", "")
    if status.startswith("not run (") and status != "not run (--hmmer off)":
        warnings.warn(f"{label}: HMMER columns {status}", SatoolWarning, stacklevel=3)
    for w in results.get("warnings", []):
        warnings.warn(f"{label}: {w}", SatoolWarning, stacklevel=3)

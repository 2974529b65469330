"""Arguments that take a list of names or paths: a single string is one item (or, for method
ids, a comma-separated list as on the command line), never its characters; an empty list is an
error, not "all"."""

from __future__ import annotations

import os
from typing import Any, List, Optional


def ids(value: Any, what: str) -> Optional[List[str]]:
    """Method ids: None (the default set), "a,b" or ["a", "b"]."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    items = [v.strip() for v in items]
    if not items or not all(items):
        raise ValueError(f"{what}: {value!r} names no method (give ids, or None for the default ones)")
    return items


def paths(value: Any, what: str) -> Optional[List[str]]:
    """File paths: None, one path (str or os.PathLike) or a list of them."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, os.PathLike)):
        value = [value]
    return [os.fsdecode(os.fspath(p)) for p in value]

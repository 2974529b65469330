"""Keyword arguments → the command line's options, so the Rust side parses them with the CLI's
own parser (same defaults, same checks, same messages)."""

from __future__ import annotations

import os
from typing import Any, Dict, List


# Options given once per value rather than comma-separated.
REPEATED = {"evaluate"}


def to_args(options: Dict[str, Any]) -> List[str]:
    """``{"beta_gen": 8, "extended": True, "methods": ["a", "b"]}`` →
    ``["--beta-gen=8", "--extended", "--methods=a,b"]``; None and False are left out. Values are
    attached with ``=`` so that one starting with ``-`` is read as a value."""
    args: List[str] = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif key in REPEATED:
            args += [f"{flag}={os.fspath(v)}" for v in value]
        elif isinstance(value, (list, tuple)):
            args.append(f"{flag}=" + ",".join(str(v) for v in value))
        elif isinstance(value, os.PathLike):
            args.append(f"{flag}={os.fspath(value)}")
        else:
            args.append(f"{flag}={value}")
    return args

"""Canonical JSON bytes: sorted keys, UTF-8, a trailing newline, never NaN or Infinity.

Every JSON file regup writes (build outputs, ``provenance.json``, ``tools.json``, caches)
goes through :func:`dump_json`, so the same value always gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any


def dump_json(value: Any, *, compact: bool = False) -> bytes:
    """JSON with sorted keys, UTF-8 and a trailing newline; never NaN or Infinity.

    Files people read and diff (registry.json, server.json) get a two-space indent; API
    responses read by programs are ``compact``, which also lets the C encoder do the work
    (the indented encoder is pure Python and dominates a large build).
    Raises ``ValueError`` for NaN or Infinity, ``TypeError`` for a value JSON cannot hold.
    """
    if compact:
        text = json.dumps(
            value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
    else:
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode()

"""Canonical JSON bytes: sorted keys, UTF-8, a trailing newline, never NaN or Infinity.

Every JSON file regup writes (build outputs, ``provenance.json``, ``tools.json``, caches)
goes through :func:`dump_json`, so the same value always gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = {
    False: orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE,
    True: orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE,
}
#: What orjson writes where the standard library would write other bytes or refuse: a float
#: with an exponent (``1e-7`` for ``1e-07``, ``1e+16``), a small float in full (``0.00001``
#: for ``1e-05``), and ``null`` for NaN and Infinity. They are searched for after every digit
#: became ``0`` (one ``bytes.translate``, then fast searches); ``0.0000`` and ``null`` as
#: they are (a small float starts with a real ``0.0000``). A match, even inside a string,
#: sends the value down the standard library's path: a false alarm only costs time.
_SUSPECT = (b"0.0000", b"null")
_SUSPECT_FOLDED = (b"0e-0", b"0e+0")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _stdlib(value: Any, compact: bool) -> bytes:
    if compact:
        text = json.dumps(
            value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
    else:
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode()


def dump_json(value: Any, *, compact: bool = False) -> bytes:
    """JSON with sorted keys, UTF-8 and a trailing newline; never NaN or Infinity.

    Files people read and diff (registry.json, server.json) get a two-space indent; API
    responses read by programs are ``compact`` (no spaces). The bytes are always exactly
    those of ``json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)`` with
    ``indent=2`` or compact separators. orjson makes them (the standard library's indented
    encoder is pure Python and was most of a large build); values orjson would write
    differently (see ``_SUSPECT``), integers beyond 64 bits and keys that are not strings
    take the standard library's path.
    Raises ``ValueError`` for NaN or Infinity, ``TypeError`` for a value JSON cannot hold.
    """
    try:
        data = orjson.dumps(value, option=_OPTIONS[compact])
    except TypeError:  # integers beyond 64 bits, keys that are not strings, other types
        return _stdlib(value, compact)
    if any(suspect in data for suspect in _SUSPECT):
        return _stdlib(value, compact)
    folded = data.translate(_DIGITS_TO_ZERO)
    if any(suspect in folded for suspect in _SUSPECT_FOLDED):
        return _stdlib(value, compact)
    return data

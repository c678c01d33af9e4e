"""Canonical JSON bytes: sorted keys, UTF-8, a trailing newline, never NaN or Infinity;
and the bounded reader of JSON that others wrote.

Every JSON file regup writes (build outputs, ``provenance.json``, ``tools.json``, caches)
goes through :func:`dump_json`, so the same value always gives the same bytes. JSON from
outside (import sources, registry answers) goes through :func:`load_json`, which turns every
way the decoder can fail (bad UTF-8, bad syntax, nesting past its recursion limit, an integer
past Python's digit limit) and nesting past a caller's bound into :class:`JsonInputError`.
"""

from __future__ import annotations

import json
import re
import sys
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


class JsonInputError(ValueError):
    """JSON that regup will not read; ``line`` and ``col`` (1-based) say where, when known."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def load_json(data: bytes | str, *, max_depth: int | None = None) -> Any:
    """The value of JSON someone else wrote, never more than ``max_depth`` levels deep.

    Raises :class:`JsonInputError` for text that is not UTF-8 or not JSON, nesting past
    the decoder's recursion limit or past ``max_depth`` (arrays and objects count, the top
    level is 1), and an integer with more digits than Python converts
    (``sys.get_int_max_str_digits``). NaN and Infinity are read as ``json.loads`` reads
    them; the caller's checks decide about them.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise JsonInputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonInputError("JSON nested too deeply to read") from None
    except ValueError:  # the decoder's int() past the digit limit
        limit = sys.get_int_max_str_digits()
        found = re.search(rf"\d{{{limit + 1},}}", text)
        start = found.start() if found else 0
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        raise JsonInputError(f"a number has more than {limit} digits", line, col) from None
    if max_depth is not None and nesting_exceeds(value, max_depth):
        raise JsonInputError(f"JSON nested more than {max_depth} levels deep")
    return value


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels (the top
    level is 1). Walks with a stack, not recursion, so any depth is safe to ask about."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


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

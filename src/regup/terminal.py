"""Text that is safe to print on a terminal, whatever an entry file holds.

Titles, descriptions and other values come from files anyone can propose in a pull
request. Printed raw, an ESC sequence can clear the screen, rewrite earlier lines or set the
window title, and a C1 control or a bidirectional override can make a line read differently
from what it holds. :func:`printable` shows each such character as a visible escape instead.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline, DEL, C1 controls, the line and paragraph separators, and
#: the bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_WITH_LINES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: What JSON leaves unescaped of those (it escapes C0 controls itself).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = True) -> str:
    """``text`` with every control character shown as ``\\xNN`` / ``\\uNNNN``.

    Tabs and newlines stay when ``lines`` (multi-line values), else they are escaped too.
    """
    pattern = _UNSAFE if lines else _UNSAFE_WITH_LINES
    return pattern.sub(_escape, text)


def printable_json(text: str) -> str:
    """JSON text whose strings may hold C1 controls or bidi characters (which JSON leaves as
    they are) with those written as ``\\uNNNN`` escapes: the same JSON value, safe to print."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

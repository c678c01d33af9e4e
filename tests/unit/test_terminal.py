"""``terminal``: what is printed shows control characters instead of obeying them."""

from __future__ import annotations

import json

from regup.terminal import printable, printable_json


def test_escape_sequences_become_visible() -> None:
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("bell\x07 del\x7f csi\x9b") == "bell\\x07 del\\x7f csi\\x9b"
    assert printable("rtl\u202eoverride\u2066") == "rtl\\u202eoverride\\u2066"


def test_newlines_and_tabs_stay_unless_asked() -> None:
    assert printable("a\n\tb") == "a\n\tb"
    assert printable("a\n\tb\r", lines=False) == "a\\x0a\\x09b\\x0d"


def test_plain_text_is_unchanged() -> None:
    text = "Suche nach Wetter — 東京 ✓ [bold]"
    assert printable(text) == text


def test_json_stays_the_same_value() -> None:
    value = {"d": "x\x9by\u2028z\u202e"}
    text = printable_json(json.dumps(value, ensure_ascii=False))
    assert "\x9b" not in text and "\u2028" not in text and "\u202e" not in text
    assert json.loads(text) == value

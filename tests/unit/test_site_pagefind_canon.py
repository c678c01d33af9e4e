"""Pagefind's output made reproducible: same records, same bytes; unknown layouts untouched."""

from __future__ import annotations

import gzip
import json

import pytest

from regup.model import Entry
from regup.site import search
from regup.site.pagefind_canon import MAGIC, _decode, _encode, _Map, canonical_index
from tests.helpers import container, remote


def _records() -> list[search.Record]:
    entries = [
        Entry.from_document(
            f"s-{i}",
            container(tags=[f"t{i % 5}", f"u{i % 3}"], tier=("Official", "Community")[i % 2]),
        )
        for i in range(12)
    ]
    entries.append(Entry.from_document("hosted", remote()))
    return [search.record(e) for e in entries]


def test_two_index_builds_give_the_same_bytes() -> None:
    one = search.build_index(_records())
    two = search.build_index(_records())
    assert one == two
    entry = json.loads(one["pagefind/pagefind-entry.json"])
    meta = f"pagefind/pagefind.{entry['languages']['en']['hash']}.pf_meta"
    assert meta in one  # the entry file points at the renamed metadata file


@pytest.mark.parametrize(
    "value",
    [
        0,
        23,
        24,
        255,
        256,
        65536,
        2**33,
        -1,
        -500,
        "",
        "tag",
        "é" * 30,
        b"\x00\x01",
        [],
        [1, ["a", [2, 3]]],
        [0, 23, 24, 255, 256, 65535, 65536, 2**33, -1, "x", [7]],  # page-number arrays
        65535,
        True,
        None,
    ],
)
def test_cbor_round_trip(value: object) -> None:
    data = _encode(value)
    assert _decode(data) == (value, len(data))


def test_integers_take_their_shortest_form() -> None:
    # Pagefind writes the shortest form; the canonical files must keep the same bytes.
    assert [len(_encode(n)) for n in (23, 24, 255, 256, 65535, 65536)] == [1, 2, 2, 3, 3, 5]
    assert _encode([300]) == bytes([0x81, 0x19, 0x01, 0x2C])


def test_maps_keep_their_order() -> None:
    value = _Map([("b", 1), ("a", 2)])
    decoded, _ = _decode(_encode(value))
    assert list(decoded) == [("b", 1), ("a", 2)]


def test_unknown_layouts_are_left_alone() -> None:
    odd = gzip.compress(MAGIC + _encode([1, 2, 3]), mtime=0)
    files = {"filter/en_abc1234.pf_filter": odd, "pagefind-entry.json": b"{}"}
    assert canonical_index(files) == files
    broken = {"filter/en_abc1234.pf_filter": b"not gzip at all"}
    assert canonical_index(broken) == broken

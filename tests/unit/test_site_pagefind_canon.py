"""Pagefind's output made reproducible: same records, same bytes; unknown layouts untouched."""

from __future__ import annotations

import gzip
import json

import pytest

from regup.model import Entry
from regup.site import search
from regup.site.pagefind_canon import MAGIC, _dump, _load, canonical_index
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
    assert _load(_dump(value)) == value


def _cbor(blob: bytes) -> bytes:
    data = gzip.decompress(blob)
    assert data.startswith(MAGIC)
    return data[len(MAGIC) :]


def test_integers_take_their_shortest_form() -> None:
    # Pagefind writes the shortest form; the canonical files must keep the same bytes.
    lengths = [len(_cbor(_dump(n))) for n in (23, 24, 255, 256, 65535, 65536)]
    assert lengths == [1, 2, 2, 3, 3, 5]
    assert _cbor(_dump([300])) == bytes([0x81, 0x19, 0x01, 0x2C])


def test_maps_keep_their_order() -> None:
    assert list(_load(_dump({"b": 1, "a": 2})).items()) == [("b", 1), ("a", 2)]


@pytest.mark.parametrize(
    "payload",
    [
        bytes([0x82, 0x18, 0x05, 0x01]),  # 5 written in two bytes: not cbor2's form
        bytes([0x9F, 0x01, 0xFF]),  # an indefinite-length array
        bytes([0x81, 0xF9, 0x3C, 0x00]),  # a half-precision float
        bytes([0x81, 0x01, 0x00]),  # trailing bytes
        bytes([0xC1, 0x01]),  # a tag
    ],
)
def test_encodings_cbor2_would_change_leave_the_files_alone(payload: bytes) -> None:
    blob = gzip.compress(MAGIC + payload, mtime=0)
    files = {"filter/en_abc1234.pf_filter": blob, "pagefind-entry.json": b"{}"}
    assert canonical_index(files) == files


def test_unknown_layouts_are_left_alone() -> None:
    odd = _dump([1, 2, 3])
    files = {"filter/en_abc1234.pf_filter": odd, "pagefind-entry.json": b"{}"}
    assert canonical_index(files) == files
    broken = {"filter/en_abc1234.pf_filter": b"not gzip at all"}
    assert canonical_index(broken) == broken

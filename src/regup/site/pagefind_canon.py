"""Make Pagefind's output reproducible: the same records give the same bytes.

Pagefind (1.x) writes each filter file with its values in hash-map order, which changes
from run to run; the files are named after their content, so the index's metadata file and
``pagefind-entry.json`` change with them. This module rewrites those three kinds of files in
a canonical form: filter values sorted, files renamed after a digest of their new content,
references updated, gzip without a timestamp.

The files are gzip-compressed ``pagefind_dcd`` + CBOR. The small CBOR codec below reads
and writes only what those files use (unsigned and negative integers, byte and text strings,
arrays, maps, simple values); anything else makes :func:`canonical_index` return the files
unchanged, so a future Pagefind format degrades to "not reproducible", never to "broken".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

MAGIC = b"pagefind_dcd"
_FILTER = re.compile(r"^(?P<dir>(?:.*/)?filter/)(?P<lang>[^/_]+)_(?P<hash>[0-9a-f]+)\.pf_filter$")
_META = re.compile(r"^(?P<dir>(?:.*/)?)pagefind\.(?P<lang>[^/_]+)_(?P<hash>[0-9a-f]+)\.pf_meta$")


class _Unsupported(ValueError):
    """A CBOR item this codec does not handle."""


def _decode(data: bytes, pos: int = 0) -> tuple[Any, int]:
    head = data[pos]
    major, info = head >> 5, head & 0x1F
    pos += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        raise _Unsupported(f"CBOR additional info {info}")
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major == 2:
        return bytes(data[pos : pos + arg]), pos + arg
    if major == 3:
        return data[pos : pos + arg].decode("utf-8"), pos + arg
    if major == 4:
        items: list[Any] = []
        append = items.append
        for _ in range(arg):
            # Page numbers fill most of the index's arrays: small unsigned integers, read
            # here without a call each.
            first = data[pos]
            if first < 24:
                append(first)
                pos += 1
            elif first == 25:
                append(data[pos + 1] << 8 | data[pos + 2])
                pos += 3
            else:
                item, pos = _decode(data, pos)
                append(item)
        return items, pos
    if major == 5:
        pairs = []
        for _ in range(arg):
            key, pos = _decode(data, pos)
            value, pos = _decode(data, pos)
            pairs.append((key, value))
        return _Map(pairs), pos
    if major == 7 and info in (20, 21, 22):
        return {20: False, 21: True, 22: None}[info], pos
    raise _Unsupported(f"CBOR major type {major}")


class _Map(list[tuple[Any, Any]]):
    """A CBOR map, its pairs in file order."""


def _head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise _Unsupported("integer too large")


def _encode(value: Any) -> bytes:
    if value is False or value is True or value is None:
        return bytes([0xE0 | {False: 20, True: 21, None: 22}[value]])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, _Map):
        return _head(5, len(value)) + b"".join(_encode(k) + _encode(v) for k, v in value)
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(v) for v in value)
    raise _Unsupported(type(value).__name__)


def _load(blob: bytes) -> Any:
    data = gzip.decompress(blob)
    if not data.startswith(MAGIC):
        raise _Unsupported("not a pagefind_dcd file")
    value, end = _decode(data, len(MAGIC))
    if end != len(data):
        raise _Unsupported("trailing bytes")
    return value


def _dump(value: Any) -> bytes:
    return gzip.compress(MAGIC + _encode(value), compresslevel=9, mtime=0)


def _digest(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


def _sorted_filter(value: Any) -> Any:
    """A filter file's CBOR value, ``[name, [[value, pages], …]]``, with values sorted."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[1], list)
        and all(isinstance(v, list) and v and isinstance(v[0], str) for v in value[1])
    ):
        return [value[0], sorted(value[1], key=lambda v: v[0])]
    raise _Unsupported("unexpected filter file layout")


def _sorted_meta(value: Any, renamed: Mapping[str, str]) -> Any:
    """The metadata file's CBOR value with its filter and sort lists ordered by name, and
    the filter files' new names.

    Layout (Pagefind 1.x): ``[version, pages, index chunks, [[filter, file]…],
    [[sort, page order]…], meta keys]``; the last two lists come in hash-map order. Only the
    filter list names filter files: the pages and chunks (most of the file) stay as they are.
    """
    if not (isinstance(value, list) and len(value) >= 5):
        raise _Unsupported("unexpected metadata layout")
    out = list(value)
    out[3] = _rename_strings(out[3], renamed)
    for i in (3, 4):
        items = out[i]
        if not (
            isinstance(items, list)
            and all(isinstance(v, list) and v and isinstance(v[0], str) for v in items)
        ):
            raise _Unsupported("unexpected metadata layout")
        out[i] = sorted(items, key=lambda v: v[0])
    return out


def canonical_index(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """``files`` (Pagefind's output, by path) in a form that depends only on the records.

    Returns the files unchanged when their layout is not the one this module knows.
    """
    try:
        return _canonical(files)
    except (_Unsupported, OSError, EOFError, ValueError, KeyError, IndexError, TypeError):
        return dict(files)


def _canonical(files: Mapping[str, bytes]) -> dict[str, bytes]:
    out = dict(files)
    renamed: dict[str, str] = {}  # old hash → new hash (as they appear in references)
    for path in sorted(files):
        match = _FILTER.match(path)
        if not match:
            continue
        blob = _dump(_sorted_filter(_load(files[path])))
        new_hash = _digest(blob, len(match["hash"]))
        del out[path]
        out[f"{match['dir']}{match['lang']}_{new_hash}.pf_filter"] = blob
        renamed[f"{match['lang']}_{match['hash']}"] = f"{match['lang']}_{new_hash}"
    metas = [p for p in files if _META.match(p)]
    entry_paths = [p for p in files if p.endswith("pagefind-entry.json")]
    for path in metas:
        match = _META.match(path)
        assert match is not None
        value = _sorted_meta(_load(files[path]), renamed)
        blob = _dump(value)
        new_hash = _digest(blob, len(match["hash"]))
        del out[path]
        out[f"{match['dir']}pagefind.{match['lang']}_{new_hash}.pf_meta"] = blob
        renamed[f"{match['lang']}_{match['hash']}"] = f"{match['lang']}_{new_hash}"
    for path in entry_paths:
        entry = json.loads(files[path])
        for language in entry.get("languages", {}).values():
            language["hash"] = renamed.get(language.get("hash"), language.get("hash"))
        out[path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return out


def _rename_strings(value: Any, renamed: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return renamed.get(value, value)
    if isinstance(value, _Map):
        return _Map((_rename_strings(k, renamed), _rename_strings(v, renamed)) for k, v in value)
    if isinstance(value, list):
        return [_rename_strings(v, renamed) for v in value]
    return value

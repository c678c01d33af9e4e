"""Make Pagefind's output reproducible: the same records give the same bytes.

Pagefind (1.x) writes each filter file with its values in hash-map order, which changes
from run to run; the files are named after their content, so the index's metadata file and
``pagefind-entry.json`` change with them. This module rewrites those three kinds of files in
a canonical form: filter values sorted, files renamed after a digest of their new content,
references updated, gzip without a timestamp.

The files are gzip-compressed ``pagefind_dcd`` + CBOR, read and written with cbor2. A file
is only rewritten when cbor2 gives back its exact bytes before any change (so every item in
it has one encoding, as Pagefind wrote it) and its layout is the one this module knows;
anything else makes :func:`canonical_index` return the files unchanged, so a future
Pagefind format degrades to "not reproducible", never to "broken".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import cbor2

MAGIC = b"pagefind_dcd"
_FILTER = re.compile(r"^(?P<dir>(?:.*/)?filter/)(?P<lang>[^/_]+)_(?P<hash>[0-9a-f]+)\.pf_filter$")
_META = re.compile(r"^(?P<dir>(?:.*/)?)pagefind\.(?P<lang>[^/_]+)_(?P<hash>[0-9a-f]+)\.pf_meta$")


class _Unsupported(ValueError):
    """A file this module does not know how to rewrite."""


def _load(blob: bytes) -> Any:
    data = gzip.decompress(blob)
    if not data.startswith(MAGIC):
        raise _Unsupported("not a pagefind_dcd file")
    payload = data[len(MAGIC) :]
    try:
        value = cbor2.loads(payload)
    except cbor2.CBORDecodeError as exc:
        raise _Unsupported(f"not CBOR: {exc}") from None
    # Same bytes back: maps keep their order, integers and strings their (shortest) length,
    # and nothing (tags, floats, indefinite lengths, trailing bytes) is silently changed.
    if cbor2.dumps(value) != payload:
        raise _Unsupported("an encoding cbor2 would not write back the same")
    return value


def _dump(value: Any) -> bytes:
    return gzip.compress(MAGIC + cbor2.dumps(value), compresslevel=9, mtime=0)


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
    if isinstance(value, dict):
        return {_rename_strings(k, renamed): _rename_strings(v, renamed) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_strings(v, renamed) for v in value]
    return value

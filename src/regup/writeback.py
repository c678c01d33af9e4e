"""The only module that writes into ``registry/``.

New entry files (from ``regup import``) are written whole and atomically; an existing
file is replaced only when the caller asked to overwrite it.

``regup refresh`` updates ``metadata.stars``, ``metadata.pulls`` and
``metadata.last_updated`` in place (:func:`update_metadata`), and ``regup refresh --bump``
the top-level ``image`` and ``version`` (:func:`update_fields`), with the span editing of
:mod:`regup.yamledit`: only the characters of the values that change are replaced (a key that appears or goes
away adds or drops its own line). Every other byte (comments, blank lines, quoting, key
order, indentation, line endings, ``# regup: ignore[...]`` comments) stays as it was. The
result is parsed again and compared with what was intended before it is written, through
a temporary file and a rename, so a file is always either old or new. An entry authored as
``server.json`` gets its metadata where the loader reads it back
(:func:`apply_server_json_metadata`): JSON has no comments to keep, so the document is
written again in its own key order and indentation.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from regup.config import Config
from regup.errors import WriteBackError
from regup.files import write_atomic
from regup.serverjson import (
    PUBLISHER_PROVIDED,
    REGUP_BLOCK_KEYS,
    REGUP_DERIVED_KEYS,
    TOOLHIVE_PUBLISHER,
)
from regup.yamledit import (
    Edit,
    YamlEditError,
    apply_edits,
    kind,
    line_end,
    line_start,
    newline_of,
    top_mapping,
)

#: The keys :func:`update_metadata` may touch, in the order they are written.
METADATA_KEYS: tuple[str, ...] = ("stars", "pulls", "last_updated")

MetadataValue = int | str | None

# New values are single-quoted, as `regup import` writes them.
_NEW = "'"


def write_registry_files(registry_dir: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``{relative path: text or bytes}`` below ``registry_dir``; returns the paths
    written.

    Raises :class:`WriteBackError` when a file cannot be written (files written before
    it stay complete; none is left half-written).
    """
    written: list[Path] = []
    for rel, text in sorted(files.items()):
        target = registry_dir / rel
        try:
            write_atomic(target, text.encode("utf-8") if isinstance(text, str) else text)
        except OSError as exc:
            raise WriteBackError(
                f"cannot write {target}: {exc.strerror or exc}. "
                f"{len(written)} file(s) were written before this one; check permissions and rerun."
            ) from None
        written.append(target)
    return written


def write_registry_file_if_changed(
    registry_dir: Path, rel: str, data: bytes, *, skip_empty: bytes | None = None
) -> bool:
    """Write ``registry_dir/rel`` atomically when its bytes differ from ``data``; returns
    whether it did. With ``skip_empty``, ``data`` equal to it is not written as a new file
    (nothing to keep: no empty state file).

    Raises :class:`WriteBackError` when it cannot be written.
    """
    path = registry_dir / rel
    if skip_empty is not None and data == skip_empty and not os.path.lexists(path):
        return False
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_registry_files(registry_dir, {rel: data})
    return True


def _render(value: int | str, style: str | None) -> str:
    """A scalar in the style the file already used for that key (new keys: single quotes)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WriteBackError(f"cannot write {value!r} into metadata; this is a bug in regup")
    if isinstance(value, int):
        return str(value)
    style = style or None  # libyaml says '' for plain scalars, ruamel None
    if style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style is None and value and all(c.isalnum() or c in "-:.+TZ" for c in value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _indent_of(root: Any) -> int:
    """The indentation the file uses below a key (2 when nothing is nested)."""
    for key, value in root.value:
        kind = type(value).__name__
        if kind in ("MappingNode", "SequenceNode") and not value.flow_style and value.value:
            offset = value.start_mark.column - key.start_mark.column
            if offset > 0:
                return int(offset)
    return 2


def _block_edits(text: str, node: Any, wanted: Mapping[str, MetadataValue]) -> list[Edit]:
    """Edits of a block-style ``metadata:`` mapping."""
    newline = newline_of(text)
    items = {k.value: (k, v) for k, v in node.value}
    indent = " " * node.value[0][0].start_mark.column
    edits: list[Edit] = []
    for position, key in enumerate(METADATA_KEYS):
        if key not in wanted:
            continue
        value = wanted[key]
        if key in items:
            key_node, value_node = items[key]
            if value is None:
                start = line_start(text, key_node.start_mark.index)
                edits.append(Edit(start, line_end(text, value_node.end_mark.index), ""))
            elif type(value_node).__name__ == "ScalarNode":
                rendered = _render(value, value_node.style)
                edits.append(Edit(value_node.start_mark.index, value_node.end_mark.index, rendered))
            else:
                raise WriteBackError(f"metadata.{key} is not a plain value; fix it by hand")
        elif value is not None:
            line = f"{indent}{key}: {_render(value, _NEW)}{newline}"
            before = [items[k][1] for k in METADATA_KEYS[:position] if k in items]
            if before:
                at = line_end(text, before[-1].end_mark.index)
                if at == len(text) and not text.endswith("\n"):
                    line = newline + line
            else:
                at = line_start(text, node.value[0][0].start_mark.index)
            edits.append(Edit(at, at, line))
    return edits


def _flow_edits(text: str, node: Any, wanted: Mapping[str, MetadataValue]) -> list[Edit]:
    """A flow-style ``metadata: {...}`` is rewritten as one flow mapping, other keys kept."""
    parts: list[str] = []
    items = [(k.value, k, v) for k, v in node.value]
    seen = set()
    for name, key_node, value_node in items:
        seen.add(name)
        if name in wanted:
            value = wanted[name]
            if value is None:
                continue
            parts.append(
                f"{text[key_node.start_mark.index : key_node.end_mark.index]}: "
                f"{_render(value, getattr(value_node, 'style', None))}"
            )
        else:
            parts.append(text[key_node.start_mark.index : value_node.end_mark.index])
    for key in METADATA_KEYS:
        value = wanted.get(key)
        if key not in seen and value is not None:
            parts.append(f"{key}: {_render(value, _NEW)}")
    return [Edit(node.start_mark.index, node.end_mark.index, "{" + ", ".join(parts) + "}")]


def _appended_block(text: str, root: Any, wanted: Mapping[str, MetadataValue]) -> list[Edit]:
    newline = newline_of(text)
    indent = " " * _indent_of(root)
    lines = [
        f"{indent}{k}: {_render(v, _NEW)}"
        for k in METADATA_KEYS
        if (v := wanted.get(k)) is not None
    ]
    if not lines:
        return []
    block = newline.join(["metadata:", *lines]) + newline
    if text and not text.endswith("\n"):
        block = newline + block
    return [Edit(len(text), len(text), block)]


def apply_metadata(text: str, wanted: Mapping[str, MetadataValue], where: str = "spec.yaml") -> str:
    """``text`` with the ``metadata`` keys of ``wanted`` set (``None``: removed).

    Keys of ``wanted`` must be among :data:`METADATA_KEYS`; keys not in ``wanted`` and every
    other byte of ``text`` are kept. A missing ``metadata`` block is appended at the end.
    Raises :class:`WriteBackError` when the file cannot be edited safely.
    """
    unknown = set(wanted) - set(METADATA_KEYS)
    if unknown:
        raise WriteBackError(f"cannot update metadata key(s) {sorted(unknown)}; this is a bug")
    try:
        root = top_mapping(text)
    except YamlEditError as exc:
        raise WriteBackError(f"{where}: {exc}; run `regup validate` or fix it by hand") from None
    found = [(k, v) for k, v in root.value if k.value == "metadata"]
    if not found:
        edits = _appended_block(text, root, wanted)
    else:
        node = found[0][1]
        if type(node).__name__ != "MappingNode" or not node.value:
            raise WriteBackError(f"{where}: metadata is not a mapping of keys; fix it by hand")
        remaining = {k.value for k, _ in node.value} - {k for k, v in wanted.items() if v is None}
        remaining |= {k for k, v in wanted.items() if v is not None}
        if not remaining:
            start = line_start(text, found[0][0].start_mark.index)
            last = node.value[-1][1].end_mark.index
            edits = [Edit(start, line_end(text, last), "")]
        elif node.flow_style:
            edits = _flow_edits(text, node, wanted)
        else:
            edits = _block_edits(text, node, wanted)
    out = apply_edits(text, edits)
    _verify(text, out, wanted, where)
    return out


def _server_json_blocks(data: Any, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """ToolHive's extension block of a ``server.json`` source, and the publisher-provided
    mapping that holds it (where regup's own block goes)."""
    meta = data.get("_meta") if isinstance(data, dict) else None
    provided = meta.get(PUBLISHER_PROVIDED) if isinstance(meta, dict) else None
    blocks = provided.get(TOOLHIVE_PUBLISHER) if isinstance(provided, dict) else None
    if not isinstance(blocks, dict) or len(blocks) != 1:
        raise WriteBackError(
            f"{where}: no single {TOOLHIVE_PUBLISHER} block to hold the metadata; run "
            "`regup validate` or fix it by hand"
        )
    block = next(iter(blocks.values()))
    if not isinstance(block, dict) or not isinstance(provided, dict):
        raise WriteBackError(f"{where}: the {TOOLHIVE_PUBLISHER} block is not an object")
    return block, provided


def _set(target: dict[str, Any], key: str, value: MetadataValue) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def apply_server_json_metadata(
    text: str, wanted: Mapping[str, MetadataValue], where: str = "server.json"
) -> str:
    """``text`` (a ``server.json`` source) with the metadata of ``wanted`` set where the
    loader reads it back: ``stars`` and ``last_updated`` in ToolHive's extension block's
    ``metadata``, ``pulls`` in regup's own publisher block (created under the default
    publisher key when there is none). Key order is kept and the file is written again with
    its own indentation; unchanged values give ``text`` back as it was.
    Raises :class:`WriteBackError` when the document has no place for them.
    """
    unknown = set(wanted) - set(METADATA_KEYS)
    if unknown:
        raise WriteBackError(f"cannot update metadata key(s) {sorted(unknown)}; this is a bug")
    try:
        data = json.loads(text)
        before = json.loads(text)
    except ValueError as exc:
        raise WriteBackError(f"{where}: not JSON ({exc}); run `regup validate`") from None
    block, provided = _server_json_blocks(data, where)
    metadata = block.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise WriteBackError(f"{where}: metadata is not an object; fix it by hand")
    metadata = dict(metadata or {})
    for key in ("stars", "last_updated"):
        if key in wanted:
            _set(metadata, key, wanted[key])
    if metadata:
        block["metadata"] = metadata
    else:
        block.pop("metadata", None)
    if "pulls" in wanted:
        own = next(
            (
                value
                for key, value in provided.items()
                if key != TOOLHIVE_PUBLISHER
                and isinstance(value, dict)
                and set(value) <= REGUP_BLOCK_KEYS | REGUP_DERIVED_KEYS
            ),
            None,
        )
        if own is None and wanted["pulls"] is not None:
            own = provided.setdefault(Config().publisher_key, {})
        if own is not None:
            _set(own, "pulls", wanted["pulls"])
    if data == before:
        return text
    indent = re.search(r"\n([ \t]+)\S", text)
    out = json.dumps(data, indent=indent.group(1) if indent else 2, ensure_ascii=False)
    newline = newline_of(text)
    return out.replace("\n", newline) + (newline if text.endswith(("\n", "\r")) else "")


def _plain(text: str, where: str) -> Any:
    from regup.yamlio import YamlSyntaxError, load_yaml

    try:
        return load_yaml(text).data
    except YamlSyntaxError as exc:
        raise WriteBackError(
            f"{where}: the update would not be valid YAML ({exc}); the file was left as it was"
        ) from None


def _verify(before: str, after: str, wanted: Mapping[str, MetadataValue], where: str) -> None:
    """Parse both texts: everything but the wanted metadata keys must be equal."""
    old, new = _plain(before, where), _plain(after, where)
    expected = dict(old)
    metadata = dict(old.get("metadata") or {})
    for key, value in wanted.items():
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = value
    if metadata:
        expected["metadata"] = metadata
    else:
        expected.pop("metadata", None)
    if new != expected:
        raise WriteBackError(
            f"{where}: updating metadata in place would change other values; the file was "
            "left as it was. Reformat the metadata block as plain `key: value` lines and rerun."
        )


#: The top-level keys :func:`update_fields` may set (``regup refresh --bump``).
FIELD_KEYS: tuple[str, ...] = ("image", "version")


def _render_field(value: str, style: str | None) -> str:
    """A top-level string in the style the file used: plain stays plain when it reads back
    as the same string (``ghcr.io/org/img:1.3.0``), else :func:`_render`'s quoting."""
    if not (style or None) and value:
        from regup.yamlio import YamlSyntaxError, load_yaml

        try:
            if load_yaml(f"k: {value}\n").data == {"k": value}:
                return value
        except YamlSyntaxError:
            pass
        return _render(value, "'")
    return _render(value, style)


def apply_fields(
    text: str,
    wanted: Mapping[str, str],
    expected: Mapping[str, str],
    where: str = "spec.yaml",
) -> str:
    """``text`` with the top-level scalars of ``wanted`` replaced (each key must be there).

    ``expected`` holds the values the change was computed from: a file whose values
    differ (edited meanwhile) is refused. Every other byte is kept. Raises
    :class:`WriteBackError` when the file cannot be edited safely.
    """
    unknown = set(wanted) - set(FIELD_KEYS)
    if unknown:
        raise WriteBackError(f"cannot update key(s) {sorted(unknown)}; this is a bug")
    try:
        root = top_mapping(text)
    except YamlEditError as exc:
        raise WriteBackError(f"{where}: {exc}; run `regup validate` or fix it by hand") from None
    nodes = {k.value: v for k, v in root.value}
    old = _plain(text, where)
    edits: list[Edit] = []
    for key, value in wanted.items():
        node = nodes.get(key)
        if node is None or kind(node) != "ScalarNode":
            raise WriteBackError(f"{where}: {key} is not a plain value; change it by hand")
        if old.get(key) != expected.get(key):
            raise WriteBackError(f"{where} changed while regup was working; nothing was written")
        rendered = _render_field(value, node.style)
        edits.append(Edit(node.start_mark.index, node.end_mark.index, rendered))
    out = apply_edits(text, edits)
    if _plain(out, where) != {**old, **wanted}:
        raise WriteBackError(
            f"{where}: updating {', '.join(sorted(wanted))} in place would change other "
            "values; the file was left as it was. Write them as plain `key: value` lines."
        )
    return out


def update_fields(path: Path, wanted: Mapping[str, str], expected: Mapping[str, str]) -> bool:
    """Set the top-level ``wanted`` keys of the entry file ``path`` in place (see
    :func:`apply_fields`); True when the file changed.

    Raises :class:`WriteBackError` when the file is a ``server.json`` (its image lives in
    ``packages``), cannot be read, edited safely or written; the file is then left as it was.
    """
    if path.name != "spec.yaml":
        raise WriteBackError(f"{path}: only spec.yaml entries can be changed in place")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WriteBackError(f"cannot read {path}: {exc}; check the file and rerun") from None
    updated = apply_fields(text, wanted, expected, str(path))
    if updated == text:
        return False
    try:
        write_atomic(path, updated.encode("utf-8"))
    except OSError as exc:
        raise WriteBackError(
            f"cannot write {path}: {exc.strerror or exc}. Check permissions and rerun."
        ) from None
    return True


def update_metadata(path: Path, wanted: Mapping[str, MetadataValue]) -> bool:
    """Update the metadata of the entry file ``path`` in place; True when the file changed.

    Raises :class:`WriteBackError` when the file cannot be read, edited safely or written;
    the file is then left as it was.
    """
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WriteBackError(f"cannot read {path}: {exc}; check the file and rerun") from None
    if path.name == "server.json":
        updated = apply_server_json_metadata(text, wanted, str(path))
    else:
        updated = apply_metadata(text, wanted, str(path))
    if updated == text:
        return False
    try:
        write_atomic(path, updated.encode("utf-8"))
    except OSError as exc:
        raise WriteBackError(
            f"cannot write {path}: {exc.strerror or exc}. Check permissions and rerun."
        ) from None
    return True


def replace_registry_file(path: Path, old: str | None, new: str) -> None:
    """Replace ``path`` (``old`` is the text the change was made from; None: a new file).

    Refuses when the file changed in the meantime, so no edit made by hand while regup
    worked is lost. Raises :class:`WriteBackError`; the file is then left as it was.
    """
    try:
        current: str | None = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        current = None
    except (OSError, UnicodeDecodeError) as exc:
        raise WriteBackError(f"cannot read {path}: {exc}; check the file and rerun") from None
    if current != old:
        raise WriteBackError(f"{path} changed while regup was working; nothing was written, rerun")
    try:
        write_atomic(path, new.encode("utf-8"))
    except OSError as exc:
        raise WriteBackError(
            f"cannot write {path}: {exc.strerror or exc}. Check permissions and rerun."
        ) from None

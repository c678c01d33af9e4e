"""The text of a new ``spec.yaml`` as regup writes it.

``regup import`` and ``regup new`` both write entry files: keys in the canonical order of
:data:`regup.model.ENTRY_KEYS`, the house YAML style of :func:`regup.yamlio.dump_yaml`, and
a closing comment that lists the optional fields left out, so the author knows what else
can be said. Existing files are edited in place elsewhere (:mod:`regup.writeback`,
:mod:`regup.authoring.fmt`); this module only renders new ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regup.model import ENTRY_KEYS, NESTED_ORDER
from regup.yamlio import dump_yaml

#: One line on each optional field, for the comment under written files.
OPTIONAL_FIELD_HINTS: dict[str, str] = {
    "title": "display name for people",
    "overview": "Markdown shown on the catalog page",
    "version": "the server's version in the upstream output",
    "website_url": "home page or documentation",
    "license": "SPDX license expression",
    "icons": "list of {src, mime_type, sizes, theme}",
    "examples": "example prompts",
    "repository_url": "source repository",
    "tags": "lowercase categories",
    "env_vars": "environment variables {name, description, required, secret, default}",
}


def optional_fields_footer(document: Mapping[str, Any]) -> list[str]:
    """Comment lines naming the optional fields ``document`` does not set (none: [])."""
    missing = [k for k in ENTRY_KEYS if k in OPTIONAL_FIELD_HINTS and k not in document]
    if not missing:
        return []
    width = max(len(k) for k in missing)
    return ["Optional fields not set (see the spec reference in the docs):"] + [
        f"  {k.ljust(width)}  {OPTIONAL_FIELD_HINTS[k]}" for k in missing
    ]


def canonical_order(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with its keys in :data:`ENTRY_KEYS` order, and nested mappings in
    :data:`NESTED_ORDER` (the order ``regup fmt`` writes); unknown keys keep theirs, last."""
    ordered: dict[str, Any] = _ordered(document, (), ENTRY_KEYS)
    return ordered


def _ordered(value: Any, path: tuple[str, ...], order: Sequence[str] | None) -> Any:
    if isinstance(value, list):
        return [_ordered(item, (*path, "*"), NESTED_ORDER.get((*path, "*"))) for item in value]
    if not isinstance(value, Mapping) or path[:1] == ("custom_metadata",):
        return value
    keys = [k for k in order or () if k in value]
    keys += [k for k in value if k not in keys]
    return {k: _ordered(value[k], (*path, k), NESTED_ORDER.get((*path, k))) for k in keys}


def render_entry(document: Mapping[str, Any]) -> str:
    """The ``spec.yaml`` text of a new entry, with the optional-fields comment at the end."""
    ordered = canonical_order(document)
    return dump_yaml(ordered, footer=optional_fields_footer(ordered))

"""An entry's icon file: ``registry/<name>/icon.svg`` (or ``icon.png``, ``icon.webp``,
``icon.jpg``) beside its ``spec.yaml`` or ``server.json``, as ToolHive's catalog keeps an
``icon.svg`` beside each ``server.json``.

:func:`read_icon_file` reads and checks it (rule ``icon-file``); the build publishes it
beside the server's catalog page, and :func:`published_icon` is the ``icons`` item that
points there, which the upstream outputs list first.

An SVG is a document a browser runs when it is opened by itself: one with scripts, event
handlers, ``<foreignObject>``, entity declarations or references to other files is refused,
so that publishing it on the catalog's own address cannot run anything there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from regup.diagnostics import Diagnostic, Severity
from regup.files import UnsafeFileError, read_input_file
from regup.model import Entry, Icon, IconFile

#: The icon file names an entry folder may hold, with their media types (the types the
#: server.json schema allows for ``icons[].mimeType``).
ICON_FILES: dict[str, str] = {
    "icon.svg": "image/svg+xml",
    "icon.png": "image/png",
    "icon.webp": "image/webp",
    "icon.jpg": "image/jpeg",
}
#: Icons are small; a larger file is a mistake (or an attack on the build).
MAX_ICON_BYTES = 256_000
RULE = "icon-file"

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
#: Elements that run code or load other documents when the SVG is opened by itself.
_REFUSED_ELEMENTS = frozenset({"script", "foreignObject", "iframe", "embed", "object", "handler"})
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class IconRead:
    """The icon file of one entry folder as read: the file (None when it is refused) and
    what is wrong with it."""

    icon: IconFile | None = None
    problems: list[Diagnostic] = field(default_factory=list)


def icon_files_in(names: Sequence[str] | set[str]) -> list[str]:
    """The icon file names among a folder's ``names``, in :data:`ICON_FILES` order."""
    return [name for name in ICON_FILES if name in names]


def _magic_ok(filename: str, data: bytes) -> bool:
    if filename == "icon.png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if filename == "icon.jpg":
        return data.startswith(b"\xff\xd8\xff")
    if filename == "icon.webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return True


def svg_problem(data: bytes) -> str | None:
    """Why ``data`` is not a safe SVG image, or None when it is one."""
    if _DECLARATION.search(data):
        return "has a DOCTYPE or ENTITY declaration; remove it (an icon needs none)"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return f"is not well-formed XML ({exc})"
    if root.tag != f"{_SVG}svg":
        return "is not an SVG document (its root must be <svg> in the SVG namespace)"
    for element in root.iter():
        local = str(element.tag).rpartition("}")[2]
        if local in _REFUSED_ELEMENTS:
            return f"holds a <{local}> element, which can run code; remove it"
        for attribute, value in element.attrib.items():
            name = attribute.rpartition("}")[2]
            if name.lower().startswith("on"):
                return f"has an event handler ({name} on <{local}>), which runs code; remove it"
            if name == "href" or attribute == _XLINK_HREF:
                if not value.strip().startswith("#"):
                    return (
                        f"<{local}> refers to {value[:60]!r}; an icon may refer to its own "
                        "parts only (#id)"
                    )
    return None


def read_icon_file(
    folder: Path, names: Sequence[str] | set[str], display: str, inside: Path | None = None
) -> IconRead | None:
    """The icon file of the entry folder ``folder`` (whose file names are ``names``), or
    None when it has none. ``display`` is the folder as diagnostics name it (``registry/x/``).
    Never raises: every problem is a diagnostic of rule ``icon-file``."""
    present = icon_files_in(names)
    if not present:
        return None
    found = IconRead()

    def fail(filename: str, message: str) -> IconRead:
        found.problems.append(
            Diagnostic(f"{display}{filename}", 1, 1, Severity.ERROR, RULE, message)
        )
        return found

    if len(present) > 1:
        return fail(present[1], f"{display} holds {' and '.join(present)}; keep one icon")
    filename = present[0]
    try:
        data = read_input_file(folder / filename, limit=MAX_ICON_BYTES, inside=inside)
    except UnsafeFileError as exc:
        return fail(filename, exc.message)
    if not data:
        return fail(filename, "the icon file is empty")
    if not _magic_ok(filename, data):
        kind = ICON_FILES[filename].split("/")[1].upper()
        return fail(filename, f"{filename} is not a {kind} image; save it as one")
    if filename == "icon.svg":
        problem = svg_problem(data)
        if problem is not None:
            return fail(filename, f"{filename} {problem}")
    found.icon = IconFile(filename, ICON_FILES[filename], data)
    return found


def published_path(entry: Entry) -> str | None:
    """Where the build publishes the entry's icon file in the site: beside the server's
    page (``servers/<name>/``, :func:`regup.site.paths.server_path`)."""
    if entry.icon_file is None:
        return None
    return f"servers/{entry.name}/{entry.icon_file.filename}"


def published_icon(entry: Entry, base_url: str) -> Icon | None:
    """The ``icons`` item of the entry's published icon file: None without an icon file or
    without ``base_url`` (an icon's ``src`` is an absolute URL)."""
    path = published_path(entry)
    if path is None or not base_url or entry.icon_file is None:
        return None
    sizes = ("any",) if entry.icon_file.media_type == "image/svg+xml" else ()
    return Icon(f"{base_url.rstrip('/')}/{path}", entry.icon_file.media_type, sizes)


def upstream_icons(entry: Entry, base_url: str) -> tuple[Icon, ...]:
    """The entry's ``icons`` as the upstream outputs list them: the published icon file
    first, then the declared icons (one with the same ``src`` only once)."""
    own = published_icon(entry, base_url)
    if own is None:
        return entry.icons
    return (own, *(icon for icon in entry.icons if icon.src != own.src))

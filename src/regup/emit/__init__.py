"""Emitters: pure functions from the loaded registry to output files.

Each emitter takes the :class:`~regup.model.Registry` and an :class:`EmitContext` and
returns :data:`Artifacts` (relative path → bytes). Nothing here touches the disk; the build
writes the artifacts atomically.
"""

from __future__ import annotations

from collections.abc import Callable

from regup.emit.api import emit_api
from regup.emit.canonical import Artifacts, EmitContext
from regup.emit.hosting import emit_hosting
from regup.emit.toolhive import emit_toolhive
from regup.emit.upstream import emit_upstream
from regup.model import Registry

Emitter = Callable[[Registry, EmitContext], Artifacts]

#: Every output of ``regup build``, by name, in the order they are produced.
EMITTERS: dict[str, Emitter] = {
    "toolhive": emit_toolhive,
    "upstream": emit_upstream,
    "api": emit_api,
    "hosting": emit_hosting,
}

__all__ = ["EMITTERS", "Artifacts", "EmitContext", "Emitter"]

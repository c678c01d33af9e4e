"""ToolHive-format ``registry.json`` → import candidates (servers, remote servers, groups).

The format is read by :func:`regup.emit.toolhive.read_toolhive_source`; this module only
turns what it read into candidates.
"""

from __future__ import annotations

from typing import Any

from regup.emit.toolhive import read_toolhive_source
from regup.importers.base import Candidate, GroupCandidate, Skipped, SourceContent


def read_toolhive(data: Any) -> SourceContent:
    """Candidates for every server, remote server and group of a ToolHive registry.

    Raises :class:`~regup.errors.ImportSourceError` when the layout is wrong.
    """
    source = read_toolhive_source(data)
    content = SourceContent()
    for server in source.servers:
        if server.document is None:
            content.skipped.append(Skipped(server.name, server.problem or "cannot be read"))
        else:
            content.candidates.append(Candidate(server.name, dict(server.document)))
    content.skipped += [Skipped("(group)", problem) for problem in source.problems]
    for group in source.groups:
        doc = {"description": group.description, "servers": list(group.members)}
        content.groups.append(GroupCandidate(group.name, doc))
    return content

"""Health: the signals ``regup check`` gathers per entry, and the state file that keeps them.

- :mod:`regup.health.state`: the offline half: signals, states and their levels, records
  with their dates, ``registry/health.json`` (read by build, info, diff and the catalog);
- :mod:`regup.health.live`: the MCP handshake (live) and the tools compared (drift);
- :mod:`regup.health.repo`: the repository signal, from GitHub's answers;
- :mod:`regup.health.image`: the image signal, from the OCI registry;
- :mod:`regup.health.run`: :func:`~regup.health.run.check`, the whole run.

Nothing is imported here, so that offline stages can read the state without pulling in
the network code.
"""

"""Health: the signals ``regup check`` gathers per entry, and the state file that keeps them.

- :mod:`regup.healthstate` (base layer): the offline half: signals, states and their
  levels, records with their dates, reading ``registry/health.json`` (build, info, diff and
  the catalog read it); :mod:`regup.scorecard` (base layer) puts it in plain words;
- :mod:`regup.health.store`: writing ``registry/health.json``;
- :mod:`regup.health.live`: the MCP handshake (live) and the tools compared (drift);
- :mod:`regup.health.repo`: the repository signal, from GitHub's answers;
- :mod:`regup.health.image`: the image signal, from the OCI registry;
- :mod:`regup.health.run`: :func:`~regup.health.run.check`, the whole run;
- :mod:`regup.health.bump`: ``regup refresh --bump``, acting on the image signal: an image
  moved to the newest release of its repository, its provenance verified first.

Nothing is imported here, so that offline stages can read the state without pulling in
the network code.
"""

"""Authoring entries: ``regup new``, ``regup tools`` and ``regup fmt``.

- :mod:`regup.authoring.new`: a new ``spec.yaml`` from flags, prompts or a GitHub repository;
- :mod:`regup.authoring.github`: what GitHub says about a repository;
- :mod:`regup.authoring.mcpclient`: asks a running MCP server for its tools (the ``mcp`` SDK);
- :mod:`regup.authoring.tools`: brings ``tools`` and ``tools.json`` up to date with a server;
- :mod:`regup.authoring.fmt`: canonical key order and style, every value and comment kept.

Every change to ``registry/`` goes through :mod:`regup.writeback`.
"""

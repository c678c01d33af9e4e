"""What ``docker run`` makes of its arguments, for the stub ``docker`` of the install tests.

Standard library only: the stub imports it on every start. Knows the options regup's
snippets use (``--rm``, ``-i``, ``-d``, ``-e``, ``-v``, ``-p``) and fails on any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def parse_docker(argv: list[str], environ: Mapping[str, str]) -> dict[str, Any]:
    """``{flags, env, mounts, ports, image, args}`` of ``docker run …``: ``-e NAME`` takes
    the value from ``environ`` and, as docker does, is left out when it is not set there."""
    if not argv or argv[0] != "run":
        raise ValueError(f"docker: only run is stubbed, not {argv[:1]}")
    i, flags = 1, []
    env: dict[str, str] = {}
    mounts: list[str] = []
    ports: list[str] = []
    while i < len(argv) and argv[i].startswith("-"):
        opt = argv[i]
        if opt in ("--rm", "-i", "-d"):
            flags.append(opt)
            i += 1
            continue
        if i + 1 >= len(argv):
            raise ValueError(f"docker: {opt} needs a value")
        value = argv[i + 1]
        i += 2
        if opt == "-e":
            name, eq, val = value.partition("=")
            if eq:
                env[name] = val
            elif name in environ:
                env[name] = environ[name]
        elif opt == "-v":
            mounts.append(value)
        elif opt == "-p":
            ports.append(value)
        else:
            raise ValueError(f"docker: unknown option {opt}")
    if i >= len(argv):
        raise ValueError("docker: no image")
    return {
        "flags": flags,
        "env": env,
        "mounts": mounts,
        "ports": ports,
        "image": argv[i],
        "args": argv[i + 1 :],
    }

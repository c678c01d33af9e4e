"""Fixtures of the whole suite: registry factories, a network guard, the reference data."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO_ROOT, Content, write_config, write_registry

RegistryFactory = Callable[..., Path]

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkBlockedError(RuntimeError):
    """A test tried to reach a host other than 127.0.0.1 / ::1."""


def _is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like stay on this machine
        return True
    host = str(address[0])
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that would leave this machine: tests never reach the internet."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(address: Any) -> None:
        if not _is_loopback(address):
            raise NetworkBlockedError(f"tests must not connect to {address!r}; use 127.0.0.1")

    def connect(self: socket.socket, address: Any) -> None:
        guard(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds take their timestamp from SOURCE_DATE_EPOCH: never inherit one from the shell."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _test_cwd(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs from a folder of its own holding a ``regup.toml`` with the test
    namespace: never from the checkout, whose own ``regup.toml`` would leak this
    repository's settings into the tests. regup has no default namespace; a test of a
    registry without one runs from a folder without the file."""
    folder = tmp_path_factory.mktemp("cwd")
    write_config(folder)
    monkeypatch.chdir(folder)


@pytest.fixture
def make_registry(tmp_path: Path) -> RegistryFactory:
    """Factory: ``make_registry(**entries)`` writes ``<tmp>/registry/<name>/spec.yaml`` files.

    Values are dicts (dumped as YAML), raw YAML text or bytes, or
    :class:`tests.helpers.Files` for groups and odd folders. ``root=`` picks another folder.
    """

    def factory(root: Path | None = None, **entries: Content) -> Path:
        return write_registry(root if root is not None else tmp_path / "registry", **entries)

    return factory


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run the test from ``tmp_path`` (relative paths in messages start there), with a
    ``regup.toml`` naming the test namespace (a test writes its own over it as needed)."""
    if not (tmp_path / "regup.toml").exists():
        write_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def find_reference_dir() -> Path | None:
    configured = os.environ.get("REGUP_REFERENCE_DIR")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "reference"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference`` (or ``$REGUP_REFERENCE_DIR``); skips when it is absent."""
    found = find_reference_dir()
    if found is None:
        where = os.environ.get("REGUP_REFERENCE_DIR") or str(
            REPO_ROOT.parent / "shared" / "reference"
        )
        pytest.skip(
            f"reference data not found at {where}; set REGUP_REFERENCE_DIR to the folder that "
            "holds toolhive-registry-*.json and schemas/ (CI always has it)"
        )
    return found

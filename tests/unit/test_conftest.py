"""The suite's own guards work: no test can reach the internet."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import NetworkBlockedError, RegistryFactory
from tests.helpers import Files, container


def test_outbound_connections_are_blocked() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBlockedError, match="192.0.2.1"):
            sock.connect(("192.0.2.1", 443))
        with pytest.raises(NetworkBlockedError):
            sock.connect_ex(("192.0.2.1", 80))


def test_loopback_connections_are_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            assert client.getpeername() == server.getsockname()


def test_make_registry_writes_dicts_text_and_files(make_registry: RegistryFactory) -> None:
    root = make_registry(
        **{
            "from-dict": container(),
            "raw-text": "description: x\n",
            "grp": Files({"group.yaml": "a: 1\n"}),
        }
    )
    assert (root / "from-dict" / "spec.yaml").read_text().startswith("description: Fetches")
    assert (root / "raw-text" / "spec.yaml").read_text() == "description: x\n"
    assert (root / "grp" / "group.yaml").read_text() == "a: 1\n"
    assert not (root / "grp" / "spec.yaml").exists()


def test_reference_dir_holds_the_toolhive_schema(reference_dir: Path) -> None:
    assert (reference_dir / "schemas" / "toolhive-legacy-registry.schema.json").is_file()

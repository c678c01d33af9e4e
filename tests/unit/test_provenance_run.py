"""``provenance.run``: which entries a run verifies, what it stores, and what a fault keeps.

The registry here is a closed port on 127.0.0.1, so every lookup fails fast: the outcomes
are errors, which is what these rules are about (signatures are tested in
test_provenance_verify.py against a local sigstore world).
"""

from __future__ import annotations

import socket
from pathlib import Path

from regup.checks import Outcome
from regup.model import Entry
from regup.provenance.run import Mode, verify_entries
from regup.provenance.state import ProvenanceState, Result, load_state, save_state
from tests.helpers import container, remote


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _entries() -> list[Entry]:
    port = _closed_port()
    provenance = {"repository_uri": "https://github.com/example/fetch"}
    return [
        Entry.from_document(
            "fetch", container(image=f"127.0.0.1:{port}/fetch:1.0.0", provenance=provenance)
        ),
        Entry.from_document("hosted", remote()),
    ]


def test_off_verifies_nothing(tmp_path: Path) -> None:
    run = verify_entries(_entries(), registry_dir=tmp_path, mode=Mode.OFF)
    assert run.results == () and not list(tmp_path.iterdir())


def test_only_containers_are_verified_and_a_fault_is_an_error_result(tmp_path: Path) -> None:
    run = verify_entries(_entries(), registry_dir=tmp_path, mode=Mode.STRICT, write=False)
    assert [r.name for r in run.results] == ["fetch"]
    assert run.results[0].outcome is Outcome.ERROR
    assert run.failures == ()  # transient errors never fail a strict run
    assert run.counts == {"error": 1}
    assert not run.state_written and not list(tmp_path.iterdir())


def test_a_fault_keeps_the_previous_result_marked_stale(tmp_path: Path) -> None:
    before = Result("fetch", Outcome.VERIFIED, "signed", checked_at="2026-01-01T00:00:00Z")
    gone = Result("removed-entry", Outcome.VERIFIED, "signed", checked_at="2026-01-01T00:00:00Z")
    save_state(tmp_path, ProvenanceState({}).merged([before, gone]))
    run = verify_entries(_entries(), registry_dir=tmp_path, all_names={"fetch", "hosted"})
    (result,) = run.results
    assert result.outcome is Outcome.VERIFIED and result.stale and result.error
    stored = load_state(tmp_path)
    assert set(stored.results) == {"fetch"}  # the removed entry's record is dropped
    assert stored.results["fetch"].stale

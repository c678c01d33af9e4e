"""The committed state file: round trip, determinism, TTLs, bad files, removed entries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regup.checks import Outcome
from regup.errors import ProvenanceError
from regup.provenance.state import (
    STATE_FILE,
    Mismatch,
    ProvenanceState,
    Result,
    Signer,
    load_state,
    save_state,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def result(name: str = "weather", outcome: Outcome = Outcome.VERIFIED, **kw: object) -> Result:
    fields: dict[str, object] = {
        "detail": "signed",
        "image": "ghcr.io/example/weather:1.2.0",
        "digest": "sha256:" + "a" * 64,
        "method": "sigstore-bundle",
        "signer": Signer(identity="https://github.com/x/y/.github/workflows/r.yml@refs/tags/v1"),
        "log_index": 12,
        "checked_at": "2025-06-01T11:00:00Z",
        "key": "k1",
    }
    fields.update(kw)
    return Result(name=name, outcome=outcome, **fields)  # type: ignore[arg-type]


def test_round_trip_and_identical_bytes(tmp_path: Path) -> None:
    state = ProvenanceState({}).merged(
        [
            result("zeta"),
            result("alpha", Outcome.MISMATCH, mismatches=(Mismatch("repository_uri", "a", "b"),)),
        ]
    )
    assert save_state(tmp_path, state) is True
    data = (tmp_path / STATE_FILE).read_bytes()
    assert data.index(b'"alpha"') < data.index(b'"zeta"')
    assert data.endswith(b"}\n")
    loaded = load_state(tmp_path)
    assert loaded.results == state.results
    assert loaded.get("alpha").mismatches[0].got == "b"  # type: ignore[union-attr]
    assert save_state(tmp_path, loaded) is False  # unchanged: not rewritten
    assert (tmp_path / STATE_FILE).read_bytes() == data


def test_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    assert load_state(tmp_path).results == {}


@pytest.mark.parametrize(
    "text", ["{", "[]", '{"version": 9}', '{"version": 1, "entries": {"a": {}}}']
)
def test_malformed_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / STATE_FILE).write_text(text)
    with pytest.raises(ProvenanceError, match="not a valid provenance state file"):
        load_state(tmp_path)


def test_removed_entries_are_dropped_others_kept() -> None:
    state = ProvenanceState({}).merged([result("a"), result("b")])
    assert set(state.merged([result("c")]).results) == {"a", "b", "c"}
    assert set(state.merged([result("c")], keep={"a", "c"}).results) == {"a", "c"}


@pytest.mark.parametrize(
    ("outcome", "age", "fresh"),
    [
        (Outcome.VERIFIED, timedelta(days=6), True),
        (Outcome.VERIFIED, timedelta(days=8), False),
        (Outcome.UNSIGNED, timedelta(hours=20), True),
        (Outcome.UNSIGNED, timedelta(hours=30), False),
        (Outcome.ERROR, timedelta(seconds=1), False),
    ],
)
def test_ttl(outcome: Outcome, age: timedelta, fresh: bool) -> None:
    checked = (NOW - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert result(outcome=outcome, checked_at=checked).is_fresh(NOW) is fresh


def test_stale_result_is_never_fresh_and_keeps_its_data() -> None:
    stale = result().as_stale("cannot reach ghcr.io")
    assert stale.stale and stale.error == "cannot reach ghcr.io"
    assert stale.outcome is Outcome.VERIFIED and not stale.is_fresh(NOW)
    assert stale.published().to_meta()["stale"] is True


def test_meta_block_is_short() -> None:
    meta = result().published().to_meta()
    assert meta["status"] == "verified"
    assert set(meta) <= {
        "status",
        "digest",
        "method",
        "checked_at",
        "log_index",
        "signed_at",
        "signer",
        "stale",
    }


def test_the_catalog_and_the_upstream_meta_name_the_same_signer() -> None:
    """Bug: the catalog showed ToolHive's short signer form when the certificate had no SAN,
    while the upstream ``_meta`` block showed no signer at all."""
    short_only = replace(result(), signer=Signer(signer_identity="/.github/workflows/release.yml"))
    check = short_only.published()
    assert check.signer == "/.github/workflows/release.yml"
    assert check.to_meta()["signer"] == check.signer
    full = result().published()
    assert full.signer and full.to_meta()["signer"] == full.signer

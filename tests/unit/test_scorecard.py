"""The score card: health records in plain words, the same for regup info and the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regup.checks import Outcome, ProvenanceCheck
from regup.healthstate import EntryHealth, Level, Record, Signal
from regup.load import load_registry
from regup.model import Entry
from regup.scorecard import NOT_CHECKED, score_card
from regup.validate import validate_documents
from tests.helpers import container, remote, write_registry


def entry(tmp_path: Path, doc: dict[str, Any]) -> Entry:
    registry = write_registry(tmp_path / "r", server=doc)
    (found,) = validate_documents(load_registry(registry)).registry.entries
    return found


def rows(card: Any) -> dict[str, Any]:
    return {r.label: r for r in card.rows}


def test_without_records_every_row_says_not_checked_yet(tmp_path: Path) -> None:
    card = score_card(entry(tmp_path, container(license=None)), None)
    assert [r.label for r in card.rows] == [
        "Healthy",
        "Tools unchanged",
        "Maintained",
        "License",
        "Pinned",
        "Verified",
    ]
    assert all(r.verdict == NOT_CHECKED and r.level is Level.UNKNOWN for r in card.rows)
    assert not card.checked


def test_a_remote_server_has_no_image_rows(tmp_path: Path) -> None:
    card = score_card(entry(tmp_path, remote()), None)
    assert "Pinned" not in rows(card) and "Verified" not in rows(card)


def test_records_become_verdicts_with_evidence_and_dates(tmp_path: Path) -> None:
    records = {
        Signal.LIVE: Record(
            "not-mcp", "answered HTTP 404", since="2026-11-30", good_on="2026-11-20"
        ),
        Signal.DRIFT: Record("unchanged", "3 tools, as declared", since="2026-10-01"),
        Signal.REPOSITORY: Record(
            "active",
            "x",
            {"pushed_at": "2024-01-02T00:00:00Z", "license": "NOASSERTION"},
            checked_on="2026-12-01",
            good_on="2026-12-01",
        ),
        Signal.IMAGE: Record(
            "floating", "tag latest moves", stale=True, error="registry down", since="2026-11-01"
        ),
    }
    check = ProvenanceCheck(
        Outcome.VERIFIED, signer="https://github.com/a/b", checked_at="2026-11-30T00:00:00Z"
    )
    card = rows(score_card(entry(tmp_path, container()), EntryHealth("server", records), check))
    assert card["Healthy"].verdict == "Does not answer MCP"
    assert card["Healthy"].tone == "bad"
    assert card["Healthy"].date == "since 2026-11-30; last good 2026-11-20"
    assert card["Tools unchanged"].verdict == "Unchanged"
    assert card["Tools unchanged"].date == "since 2026-10-01"
    assert card["Maintained"].verdict == "No push for 1064 days"
    assert card["Maintained"].level is Level.NOTICE
    assert card["License"].evidence == "GitHub finds a license it cannot name"
    assert card["Pinned"].verdict == "Floating tag" and card["Pinned"].stale
    assert "no answer (registry down)" in card["Pinned"].evidence
    assert card["Verified"].verdict == "Signature verified"
    assert card["Verified"].evidence == "signed by https://github.com/a/b"
    assert card["Verified"].date == "2026-11-30"


def test_a_declared_license_other_than_the_detected_one_is_said(tmp_path: Path) -> None:
    records = {
        Signal.REPOSITORY: Record(
            "active",
            "x",
            {"license": "MIT", "pushed_at": "2026-11-01T00:00:00Z"},
            checked_on="2026-12-01",
        )
    }
    doc = container(license="Apache-2.0")
    card = rows(score_card(entry(tmp_path, doc), EntryHealth("server", records)))
    assert card["License"].verdict == "MIT"
    assert card["License"].evidence.endswith("the entry declares Apache-2.0")
    assert card["Maintained"].verdict == "Maintained"
    alone = rows(score_card(entry(tmp_path / "b", doc), None))
    assert (alone["License"].verdict, alone["License"].evidence) == (
        "Apache-2.0",
        "as the entry declares it",
    )


def test_the_card_as_json_leaves_out_what_is_empty(tmp_path: Path) -> None:
    card = score_card(entry(tmp_path, remote()), None)
    first = card.to_json()[0]
    assert first == {
        "label": "Healthy",
        "verdict": NOT_CHECKED,
        "level": "unknown",
        "evidence": "regup check has no result for it yet",
    }

"""The score card: health records in plain words, the same for regup info and the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regup.checks import Outcome, ProvenanceCheck
from regup.healthstate import EntryHealth, Level, Record, Signal
from regup.load import load_registry
from regup.model import Entry
from regup.scorecard import META_EVIDENCE_CHARS, NOT_CHECKED, score_card
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


# --- the published card (_meta) ------------------------------------------------------------


def test_the_published_card_of_an_unchecked_entry_says_not_checked_and_nothing_else(
    tmp_path: Path,
) -> None:
    meta = score_card(entry(tmp_path, container(license=None)), None).to_meta()
    assert list(meta) == [
        "healthy",
        "tools_unchanged",
        "maintained",
        "license",
        "pinned",
        "verified",
    ]
    assert all(row == {"state": "not-checked", "level": "unknown"} for row in meta.values())


def test_the_published_card_gives_state_evidence_and_dates(tmp_path: Path) -> None:
    records = {
        Signal.LIVE: Record(
            "healthy",
            "answered initialize and tools/list over streamable-http",
            since="2026-11-02",
            checked_on="2026-12-01",
            good_on="2026-12-01",
        ),
        Signal.DRIFT: Record("drifted", "tool fetch: description changed", since="2026-11-30"),
        Signal.REPOSITORY: Record(
            "active",
            "x",
            {"pushed_at": "2024-01-02T00:00:00Z", "license": "MIT"},
            checked_on="2026-12-01",
            since="2026-10-01",
        ),
        Signal.IMAGE: Record("floating", "tag latest moves", stale=True, error="registry down"),
    }
    check = ProvenanceCheck(Outcome.UNSIGNED, checked_at="2026-11-30T10:00:00Z")
    card = score_card(entry(tmp_path, container()), EntryHealth("server", records), check)
    meta = card.to_meta()
    assert meta["healthy"] == {
        "state": "healthy",
        "level": "good",
        "evidence": "answered initialize and tools/list over streamable-http",
        "date": "2026-12-01",
        "since": "2026-11-02",
    }
    assert meta["tools_unchanged"]["state"] == "drifted"
    assert meta["tools_unchanged"]["level"] == "bad"
    assert (meta["maintained"]["state"], meta["maintained"]["level"]) == ("inactive", "notice")
    assert meta["maintained"]["evidence"] == "last push 2024-01-02"
    assert meta["license"] == {
        "state": "detected",
        "level": "good",
        "evidence": "detected by GitHub in the repository",
        "date": "2026-12-01",
        "spdx": "MIT",
    }
    assert meta["pinned"]["stale"] is True and meta["pinned"]["state"] == "floating"
    assert meta["verified"] == {
        "state": "unsigned",
        "level": "notice",
        "evidence": "No signature found",
        "date": "2026-11-30",
    }
    bare = card.to_meta(evidence=False)
    assert all("evidence" not in row for row in bare.values())
    assert bare["healthy"]["date"] == "2026-12-01"


def test_the_published_card_cuts_long_evidence(tmp_path: Path) -> None:
    records = {Signal.LIVE: Record("unreachable", "connection refused " * 40)}
    card = score_card(entry(tmp_path, remote()), EntryHealth("server", records))
    evidence = card.to_meta()["healthy"]["evidence"]
    assert len(evidence) == META_EVIDENCE_CHARS and evidence.endswith("…")
    assert card.rows[0].evidence.startswith(evidence[:-1])  # the page keeps the whole text


def test_maintained_states_follow_the_repository(tmp_path: Path) -> None:
    def state(record: Record) -> str:
        records = {Signal.REPOSITORY: record}
        card = score_card(entry(tmp_path / record.state, remote()), EntryHealth("s", records))
        return str(card.to_meta()["maintained"]["state"])

    recent = {"pushed_at": "2026-11-01T00:00:00Z"}
    assert state(Record("active", "x", recent, checked_on="2026-12-01")) == "maintained"
    assert state(Record("active", "x", {}, checked_on="2026-12-01")) == "no-push"
    assert state(Record("archived", "archived on GitHub")) == "archived"


def test_filters_say_yes_or_no_only_where_the_card_has_an_answer(tmp_path: Path) -> None:
    records = {
        Signal.LIVE: Record("auth-required", "401 with WWW-Authenticate"),
        Signal.REPOSITORY: Record("unavailable", "no GitHub repository"),
    }
    unsigned = ProvenanceCheck(Outcome.UNSIGNED)
    card = score_card(entry(tmp_path / "a", container()), EntryHealth("s", records), unsigned)
    assert card.filters() == {"verified": "no", "healthy": "yes"}
    undeclared = ProvenanceCheck(Outcome.NOT_DECLARED)
    assert score_card(entry(tmp_path / "b", container()), None, undeclared).filters() == {}
    assert score_card(entry(tmp_path / "c", remote()), None).filters() == {}

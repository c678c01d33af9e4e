"""registry/health.json: records, their dates, and the file's bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from regup.errors import HealthError
from regup.health.store import save_health
from regup.healthstate import (
    FACTS,
    RESTAMP_DAYS,
    STATES,
    EntryHealth,
    Finding,
    HealthState,
    Level,
    Record,
    Signal,
    dated,
    level_of,
    load_health,
)

DAY = date(2026, 12, 1)


def test_a_first_finding_is_dated_today() -> None:
    record = dated(Finding("healthy", "ok", {"transport": "sse"}), Signal.LIVE, None, DAY)
    assert (record.since, record.checked_on, record.good_on) == ("2026-12-01",) * 3
    assert not record.stale


def test_an_unchanged_finding_keeps_its_record_until_it_is_a_week_old() -> None:
    first = dated(Finding("healthy", "ok"), Signal.LIVE, None, DAY)
    later = date(2026, 12, 1 + RESTAMP_DAYS - 1)
    assert dated(Finding("healthy", "ok"), Signal.LIVE, first, later) is first
    week = date(2026, 12, 1 + RESTAMP_DAYS)
    moved = dated(Finding("healthy", "ok"), Signal.LIVE, first, week)
    assert moved.since == "2026-12-01"
    assert moved.checked_on == moved.good_on == week.isoformat()


def test_a_bad_state_keeps_the_day_it_was_last_good() -> None:
    good = dated(Finding("healthy", "ok"), Signal.LIVE, None, DAY)
    bad = dated(Finding("unreachable", "refused"), Signal.LIVE, good, date(2026, 12, 3))
    assert bad.good_on == "2026-12-01"
    assert bad.since == bad.checked_on == "2026-12-03"
    again = dated(Finding("healthy", "ok"), Signal.LIVE, bad, date(2026, 12, 4))
    assert again.since == again.good_on == "2026-12-04"


def test_changed_facts_are_a_new_record_with_the_same_since() -> None:
    first = dated(Finding("active", "a", {"license": "MIT"}), Signal.REPOSITORY, None, DAY)
    second = dated(
        Finding("active", "a", {"license": "Apache-2.0"}),
        Signal.REPOSITORY,
        first,
        date(2026, 12, 2),
    )
    assert second.facts == {"license": "Apache-2.0"}
    assert second.since == "2026-12-01" and second.checked_on == "2026-12-02"


def test_a_stale_record_is_replaced_by_the_next_answer() -> None:
    first = dated(Finding("healthy", "ok"), Signal.LIVE, None, DAY)
    stale = first.as_stale("timed out")
    assert stale.stale and stale.error == "timed out" and stale.state == "healthy"
    fresh = dated(Finding("healthy", "ok"), Signal.LIVE, stale, date(2026, 12, 2))
    assert not fresh.stale and fresh.error is None and fresh.good_on == "2026-12-02"


def test_every_state_has_a_level_and_every_signal_documents_its_facts() -> None:
    assert set(STATES) == set(Signal) == set(FACTS)
    assert level_of(Signal.LIVE, "healthy") is Level.GOOD
    assert level_of(Signal.IMAGE, "behind") is Level.NOTICE
    assert level_of(Signal.DRIFT, "drifted") is Level.BAD
    assert level_of(Signal.LIVE, "something-new") is Level.UNKNOWN


def test_the_file_is_sorted_and_round_trips(tmp_path: Path) -> None:
    records = {
        Signal.REPOSITORY: Record("active", "r", {"license": "MIT", "archived": False}),
        Signal.LIVE: Record("healthy", "h", since="2026-12-01"),
    }
    state = HealthState({"zeta": EntryHealth("zeta", records), "alpha": EntryHealth("alpha", {})})
    data = state.dumps()
    assert data.index(b'"alpha"') < data.index(b'"zeta"')
    assert data.index(b'"live"') < data.index(b'"repository"')
    assert data.endswith(b"}\n")
    assert HealthState.loads(data, "x").dumps() == data
    assert save_health(tmp_path, state) is True
    assert save_health(tmp_path, state) is False  # same content: not rewritten
    assert load_health(tmp_path).dumps() == data


def test_no_file_is_an_empty_state(tmp_path: Path) -> None:
    assert load_health(tmp_path).entries == {}


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"version": 2, "entries": {}}',
        '{"version": 1, "entries": {"a": {"weather": {"state": "x"}}}}',
        '{"version": 1, "entries": {"a": {"live": {"facts": {}}}}}',
        '{"version": 1, "entries": {"a": {"live": {"state": "x", "since": 3}}}}',
        "{not json",
    ],
    ids=["array", "version", "unknown-signal", "no-state", "since-number", "not-json"],
)
def test_a_malformed_file_says_how_to_fix_it(tmp_path: Path, text: str) -> None:
    (tmp_path / "health.json").write_text(text)
    with pytest.raises(HealthError, match="not a valid health state file.*regup check"):
        load_health(tmp_path)


def test_merging_drops_entries_that_no_longer_exist() -> None:
    old = HealthState({"gone": EntryHealth("gone", {Signal.LIVE: Record("healthy", "")})})
    new = old.merged([EntryHealth("kept", {Signal.LIVE: Record("healthy", "")})], keep={"kept"})
    assert set(new.entries) == {"kept"}


def test_the_docs_page_explains_every_state_and_fact() -> None:
    page = (Path(__file__).resolve().parents[2] / "site" / "docs" / "health.md").read_text()
    for signal, states in STATES.items():
        assert f"### {signal.value}:" in page
        for state in states:
            assert f"| `{state}` |" in page, f"site/docs/health.md does not explain {state}"
    for facts in FACTS.values():
        for fact in facts:
            assert f"`{fact}`" in page, f"site/docs/health.md does not explain {fact}"

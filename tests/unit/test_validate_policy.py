"""``validate.policy``: every rule of ``[policy]`` over recorded results, pass and fail, at
each severity, placed at the line of the field it is about; no record is "not checked yet"."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from regup.checks import Outcome
from regup.diagnostics import Diagnostic, Severity
from regup.healthstate import EntryHealth, HealthState, Record, Signal
from regup.load import load_registry
from regup.model import Entry
from regup.policyconfig import POLICY_RULES, Policy
from regup.validate import validate_documents
from regup.validate.policy import Verification, evaluate_policy
from tests.helpers import container, remote, to_yaml, write_registry

PROVENANCE = {
    "sigstore_url": "tuf-repo-cdn.sigstore.dev",
    "repository_uri": "https://github.com/example/fetch",
    "signer_identity": "/.github/workflows/release.yml",
    "runner_environment": "github-hosted",
    "cert_issuer": "https://token.actions.githubusercontent.com",
}


@pytest.fixture(autouse=True)
def _in_tmp(in_tmp: Path) -> Path:
    """Paths in diagnostics are relative to the working folder: registry/<name>/spec.yaml."""
    return in_tmp


def policy(text: str) -> Policy:
    return Policy.from_table(tomllib.loads(text)["policy"], Path("regup.toml"), text)


def load(tmp_path: Path, **entries: Any) -> list[Entry]:
    root = write_registry(tmp_path / "registry", **entries)
    result = validate_documents(load_registry(root))
    assert result.errors == 0, [d for d in result.diagnostics if d.severity is Severity.ERROR]
    return list(result.registry.entries)


def line_of(tmp_path: Path, name: str, prefix: str) -> int:
    lines = (tmp_path / "registry" / name / "spec.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(prefix))


def repo(state: str = "active", **facts: Any) -> Record:
    base = {"repository": "example/fetch", "archived": state == "archived"}
    base.update(pushed_at="2026-11-20T10:00:00Z", license="MIT")
    base.update(facts)
    return Record(state, f"the repository is {state}", base, "2026-01-01", "2026-12-01")


def health(name: str = "fetch", **records: Record) -> HealthState:
    return HealthState({name: EntryHealth(name, {Signal(k): v for k, v in records.items()})})


def run(
    entries: list[Entry],
    rules: str,
    state: HealthState | None = None,
    provenance: dict[str, Verification] | None = None,
) -> list[Diagnostic]:
    return evaluate_policy(
        entries, policy("[policy]\n" + rules), state or HealthState(), provenance or {}
    )


def rules_of(found: list[Diagnostic]) -> list[str]:
    return [d.rule for d in found]


SEVERITIES = [("error", Severity.ERROR), ("warning", Severity.WARNING)]


@pytest.mark.parametrize(("written", "severity"), SEVERITIES)
def test_license_allow_list(tmp_path: Path, written: str, severity: Severity) -> None:
    entries = load(tmp_path, fetch=container())
    rules = f'license = {{ severity = "{written}", allow = ["Apache-2.0", "MIT"] }}\n'
    assert run(entries, rules, health(repository=repo(license="MIT"))) == []
    assert run(entries, rules, health(repository=repo(license="mit"))) == []
    [d] = run(entries, rules, health(repository=repo(license="GPL-3.0")))
    assert (d.rule, d.severity) == ("policy-license", severity)
    assert (d.line, d.col) == (line_of(tmp_path, "fetch", "repository_url:"), 17)
    assert "'GPL-3.0'" in d.message and "Apache-2.0, MIT" in d.message


def test_a_declared_license_is_checked_at_its_line_without_a_record(tmp_path: Path) -> None:
    entries = load(tmp_path, fetch=container(license="BSD-3-Clause"))
    rules = 'license = { allow = ["MIT"] }\n'
    [d] = run(entries, rules)
    assert (d.rule, d.severity, d.line) == (
        "policy-license",
        Severity.ERROR,
        line_of(tmp_path, "fetch", "license:"),
    )
    # the declared license wins over the one GitHub detects
    assert (
        run(
            load(tmp_path, fetch=container(license="MIT")),
            rules,
            health(repository=repo(license="GPL-3.0")),
        )
        == []
    )


@pytest.mark.parametrize(
    ("record", "why"),
    [
        (repo(license=None), "GitHub detects no license"),
        (repo(license="NOASSERTION"), "cannot name"),
        (repo("unavailable", license=None), "not on GitHub"),
    ],
)
def test_no_license_known_fails_the_allow_list(tmp_path: Path, record: Record, why: str) -> None:
    entries = load(tmp_path, fetch=container())
    [d] = run(entries, 'license = { allow = ["MIT"] }\n', health(repository=record))
    assert d.rule == "policy-license" and why in d.message and "license:" in d.message


@pytest.mark.parametrize(("written", "severity"), SEVERITIES)
def test_archived(tmp_path: Path, written: str, severity: Severity) -> None:
    entries = load(tmp_path, fetch=container())
    rules = f'archived = "{written}"\n'
    assert run(entries, rules, health(repository=repo())) == []
    assert run(entries, rules, health(repository=repo("unavailable"))) == []
    for state, words in (("archived", "is archived"), ("not-found", "no longer exists")):
        [d] = run(entries, rules, health(repository=repo(state)))
        assert (d.rule, d.severity) == ("policy-archived", severity)
        assert d.line == line_of(tmp_path, "fetch", "repository_url:")
        assert words in d.message and "2026-12-01" in d.message


@pytest.mark.parametrize(("written", "severity"), SEVERITIES)
def test_stale_counts_days_to_the_check_not_to_today(
    tmp_path: Path, written: str, severity: Severity
) -> None:
    entries = load(tmp_path, fetch=container())
    rules = f'stale = {{ severity = "{written}", max_days = 30 }}\n'
    # checked on 2026-12-01: a push 11 days before passes, 31 days before fails
    assert run(entries, rules, health(repository=repo(pushed_at="2026-11-20T10:00:00Z"))) == []
    assert run(entries, rules, health(repository=repo(pushed_at="2026-11-01T00:00:00Z"))) == []
    [d] = run(entries, rules, health(repository=repo(pushed_at="2026-10-31T00:00:00Z")))
    assert (d.rule, d.severity) == ("policy-stale", severity)
    assert "2026-10-31, 31 days before the check of 2026-12-01" in d.message
    assert "at most 30" in d.message
    # no GitHub repository: the rule does not apply
    assert run(entries, rules, health(repository=repo("unavailable", pushed_at=None))) == []


PROVENANCE_CASES = [
    (Verification(Outcome.VERIFIED, "ghcr.io/example/fetch:1.2.3"), None),
    (Verification(Outcome.UNSIGNED, "ghcr.io/example/fetch:1.2.3"), "says unsigned"),
    (Verification(Outcome.MISMATCH, None, "repository_uri: wanted 'a', got 'b'"), "got 'b'"),
    (Verification(Outcome.INVALID), "says invalid"),
    (Verification(Outcome.UNSUPPORTED), "says unsupported"),
]


@pytest.mark.parametrize(("written", "severity"), SEVERITIES)
@pytest.mark.parametrize(("result", "words"), PROVENANCE_CASES)
def test_provenance(
    tmp_path: Path, written: str, severity: Severity, result: Verification, words: str | None
) -> None:
    entries = load(tmp_path, fetch=container(provenance=PROVENANCE))
    found = run(entries, f'provenance = "{written}"\n', provenance={"fetch": result})
    if words is None:
        assert found == []
        return
    [d] = found
    assert (d.rule, d.severity) == ("policy-provenance", severity)
    assert d.line == line_of(tmp_path, "fetch", "provenance:") and words in d.message


def test_provenance_not_declared_fails_at_the_image_and_only_for_the_tiers(
    tmp_path: Path,
) -> None:
    entries = load(tmp_path, fetch=container(tier="Official"), other=container(), far=remote())
    found = run(entries, 'provenance = { tiers = ["Official"] }\n')
    assert [(d.rule, d.path, d.line) for d in found] == [
        ("policy-provenance", "registry/fetch/spec.yaml", line_of(tmp_path, "fetch", "image:"))
    ]
    assert "no provenance declared" in found[0].message
    everyone = run(entries, 'provenance = "warning"\n')
    assert [d.path for d in everyone] == ["registry/fetch/spec.yaml", "registry/other/spec.yaml"]


def test_provenance_of_another_image_or_a_failed_check_is_not_checked_yet(
    tmp_path: Path,
) -> None:
    entries = load(tmp_path, fetch=container(provenance=PROVENANCE))
    for result in (
        Verification(Outcome.VERIFIED, "ghcr.io/example/fetch:1.0.0"),
        Verification(Outcome.ERROR),
    ):
        [d] = run(entries, 'provenance = "error"\n', provenance={"fetch": result})
        assert (d.rule, d.severity, d.line) == ("policy-unchecked", Severity.WARNING, 1)
        assert "policy-provenance" in d.message and "regup verify fetch" in d.message


@pytest.mark.parametrize(("written", "severity"), SEVERITIES)
def test_pinned_needs_no_record(tmp_path: Path, written: str, severity: Severity) -> None:
    entries = load(
        tmp_path,
        fetch=container(),
        latest=container(image="ghcr.io/example/fetch:latest", version="1.2.3"),
        bare=container(image="ghcr.io/example/fetch", version="1.2.3"),
        far=remote(),
    )
    found = run(entries, f'pinned = "{written}"\n')
    assert [(d.rule, d.path, d.severity) for d in found] == [
        ("policy-pinned", "registry/bare/spec.yaml", severity),
        ("policy-pinned", "registry/latest/spec.yaml", severity),
    ]
    assert found[1].line == line_of(tmp_path, "latest", "image:")


def live(state: str, detail: str = "answered") -> Record:
    return Record(state, detail, {"transport": "streamable-http"}, "2026-11-01", "2026-12-01")


@pytest.mark.parametrize(("written", "severity"), SEVERITIES)
def test_healthy(tmp_path: Path, written: str, severity: Severity) -> None:
    entries = load(tmp_path, far=remote())
    rules = f'healthy = "{written}"\n'
    for good in ("healthy", "auth-required"):
        assert run(entries, rules, health("far", live=live(good))) == []
    for bad in ("unreachable", "not-mcp"):
        [d] = run(entries, rules, health("far", live=live(bad, "connection refused")))
        assert (d.rule, d.severity) == ("policy-healthy", severity)
        assert d.line == line_of(tmp_path, "far", "url:")
        assert f"is {bad}" in d.message and "connection refused" in d.message


def test_a_container_not_run_is_judged_only_once_it_was_run(tmp_path: Path) -> None:
    entries = load(tmp_path, fetch=container())
    rules = 'healthy = "error"\ndrift = "error"\n'
    # remote servers must be healthy; a container is started only with --run-containers
    assert run(entries, rules, health(live=live("not-run"))) == []
    assert run(entries, rules, health(repository=repo())) == []
    drifted = Record("drifted", "tools changed", {"removed": ["fetch"]}, None, "2026-12-01")
    [down, changed] = run(entries, rules, health(live=live("unreachable"), drift=drifted))
    assert (down.rule, down.line) == ("policy-healthy", line_of(tmp_path, "fetch", "image:"))
    assert (changed.rule, changed.line) == ("policy-drift", line_of(tmp_path, "fetch", "tools:"))


@pytest.mark.parametrize(("written", "severity"), SEVERITIES)
def test_drift(tmp_path: Path, written: str, severity: Severity) -> None:
    entries = load(tmp_path, far=remote())
    rules = f'drift = "{written}"\n'
    same = Record("unchanged", "same tools", {"against": "tools.json"}, None, "2026-12-01")
    assert run(entries, rules, health("far", drift=same)) == []
    drifted = Record(
        "drifted",
        "tools changed",
        {"added": ["delete_all"], "changed": ["search"], "against": "tools.json"},
        "2026-12-01",
        "2026-12-01",
    )
    [d] = run(entries, rules, health("far", drift=drifted))
    assert (d.rule, d.severity) == ("policy-drift", severity)
    assert d.line == line_of(tmp_path, "far", "tools:")
    assert "added delete_all; changed search" in d.message


def test_off_rules_say_nothing(tmp_path: Path) -> None:
    entries = load(
        tmp_path, latest=container(image="ghcr.io/example/fetch:latest", version="1.2.3")
    )
    bad = health("latest", repository=repo("archived", license="GPL-3.0"), live=live("not-mcp"))
    text = "".join(f'{name} = "off"\n' for name in POLICY_RULES if name not in {"license", "stale"})
    text += 'license = { severity = "off", allow = ["MIT"] }\n'
    text += 'stale = { severity = "off", max_days = 1 }\n'
    assert run(entries, text, bad) == []


def test_no_record_is_one_warning_naming_the_rules_and_never_an_error(tmp_path: Path) -> None:
    entries = load(tmp_path, fetch=container(), far=remote())
    rules = 'archived = "error"\nhealthy = "error"\ndrift = "error"\n'
    found = run(entries, rules, health("far", live=live("healthy")))
    assert [(d.path, d.line, d.col, d.severity, d.rule) for d in found] == [
        ("registry/far/spec.yaml", 1, 1, Severity.WARNING, "policy-unchecked"),
        ("registry/fetch/spec.yaml", 1, 1, Severity.WARNING, "policy-unchecked"),
    ]
    assert "policy-archived, policy-drift (no record in registry/health.json" in found[0].message
    assert "policy-healthy" not in found[0].message
    # a container without a record is not judged on its handshake and tools (not run)
    assert "policy-archived (no record in registry/health.json" in found[1].message
    assert "run `regup check fetch`" in found[1].message
    # unchecked has a severity of its own
    [error] = run(entries[:1], rules + 'unchecked = "error"\n')
    assert error.severity is Severity.ERROR
    assert run(entries, rules + 'unchecked = "off"\n') == []


def test_the_same_inputs_give_the_same_diagnostics(tmp_path: Path) -> None:
    entries = load(
        tmp_path,
        bbb=container(image="x.io/b:latest", version="1"),
        aaa=container(image="x.io/a", version="1"),
    )
    rules = 'pinned = "error"\narchived = "warning"\n'
    first = run(entries, rules)
    assert first == run(list(reversed(entries)), rules)
    assert [d.path for d in first] == sorted(d.path for d in first)


def test_a_regup_ignore_comment_silences_a_policy_warning_not_an_error(tmp_path: Path) -> None:
    text = (
        to_yaml(container(image=None, version="1.2.3", tools=["fetch"]))
        + "image: ghcr.io/example/fetch:latest  # regup: ignore[policy-pinned, image-latest]\n"
    )
    root = write_registry(tmp_path / "registry", fetch=text)
    docs = load_registry(root)
    entries = list(validate_documents(docs).registry.entries)
    quiet = {d.source.display: d.suppressed for d in docs}
    assert quiet["registry/fetch/spec.yaml"]
    rules = 'pinned = "warning"\n'
    found = evaluate_policy(entries, policy("[policy]\n" + rules), HealthState(), {}, quiet)
    assert found == []
    [error] = evaluate_policy(
        entries, policy('[policy]\npinned = "error"\n'), HealthState(), {}, quiet
    )
    assert error.rule == "policy-pinned"

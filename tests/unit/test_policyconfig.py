"""``policyconfig``: the ``[policy]`` table of regup.toml is read strictly, and every bad
value is a ConfigError naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from regup.config import Config
from regup.diagnostics import Severity
from regup.errors import ConfigError
from regup.policyconfig import POLICY_RULES, tiers
from tests.helpers import config_toml, run_cli


def write(tmp_path: Path, policy: str) -> Path:
    path = tmp_path / "regup.toml"
    path.write_text(config_toml() + "\n" + policy, encoding="utf-8")
    return path


def line(path: Path, text: str) -> int:
    return next(i for i, s in enumerate(path.read_text().splitlines(), 1) if text in s)


def test_severities_parameters_and_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[policy]\n"
        'archived = "error"\n'
        'pinned = "warning"\n'
        'drift = "off"\n'
        'license = { allow = ["MIT", "Apache-2.0", "MIT"] }\n'
        "\n"
        "[policy.stale]\n"
        'severity = "warning"\n'
        "max_days = 365\n"
        "\n"
        "[policy.provenance]\n"
        'tiers = ["Official"]\n',
    )
    policy = Config.from_toml(path).policy
    assert policy is not None
    assert dict(policy.severities) == {
        "archived": Severity.ERROR,
        "pinned": Severity.WARNING,
        "license": Severity.ERROR,  # a table without severity: error
        "stale": Severity.WARNING,
        "provenance": Severity.ERROR,
        "unchecked": Severity.WARNING,  # not named: a warning
    }
    assert policy.severity("drift") is None and policy.severity("healthy") is None
    assert policy.allow_licenses == ("Apache-2.0", "MIT")
    assert policy.max_days == 365
    assert policy.provenance_tiers == ("Official",)
    # a configuration is a value: hashable, equal when read twice
    assert hash(Config.from_toml(path)) == hash(Config.from_toml(path))
    assert Config.from_toml(path) == Config.from_toml(path)


def test_no_policy_table_is_none_and_provenance_defaults_to_every_tier(tmp_path: Path) -> None:
    assert Config.from_toml(write(tmp_path, "")).policy is None
    policy = Config.from_toml(write(tmp_path, '[policy]\nprovenance = "error"\n')).policy
    assert policy is not None and policy.provenance_tiers == tiers() == ("Official", "Community")


@pytest.mark.parametrize(
    ("table", "marker", "message"),
    [
        ('[policy]\narchive = "error"\n', "archive =", "policy.archive is not a policy rule"),
        ('[policy]\narchived = "eror"\n', "archived =", "'eror' is not a severity"),
        ("[policy]\narchived = true\n", "archived =", 'must be a severity ("error"'),
        ("[policy]\npinned = 1\n", "pinned =", "policy.pinned must be a severity"),
        (
            '[policy]\n\n[policy.stale]\nseverity = "warn"\nmax_days = 3\n',
            "severity =",
            "'warn' is not a severity",
        ),
        ("[policy.stale]\nseverity = 2\nmax_days = 3\n", "severity =", "must be one of"),
        (
            "[policy.stale]\nmax_days = 3\nmaxdays = 4\n",
            "maxdays",
            "policy.stale.maxdays is not a setting of this rule; it has severity, max_days",
        ),
        ('[policy.stale]\nmax_days = "a year"\n', "max_days", "whole number of days"),
        ("[policy.stale]\nmax_days = 0\n", "max_days", "whole number of days"),
        ("[policy.stale]\nmax_days = true\n", "max_days", "whole number of days"),
        ('[policy]\nstale = "error"\n', "stale =", "policy.stale needs max_days"),
        ('[policy]\nx = 1\nlicense = "error"\n', "x =", "policy.x is not a policy rule"),
        ('[policy]\nlicense = "error"\n', "license =", "policy.license needs allow"),
        ('[policy.license]\nallow = "MIT"\n', "allow =", "must be a list of SPDX ids"),
        ("[policy.license]\nallow = []\n", "allow =", "no license would pass"),
        ('[policy.provenance]\ntiers = ["Gold"]\n', "tiers =", "'Gold' is not a tier"),
        ('[policy.provenance]\ntiers = ["official"]\n', "tiers =", "Official, Community"),
        ("[policy.provenance]\ntiers = []\n", "tiers =", "an empty list is not a tier"),
        ('[[policy]]\narchived = "error"\n', "[[policy]]", "[policy] must be a table"),
    ],
)
def test_bad_values_name_their_line(tmp_path: Path, table: str, marker: str, message: str) -> None:
    path = write(tmp_path, table)
    with pytest.raises(ConfigError) as caught:
        Config.from_toml(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:{line(path, marker)}: "), text
    assert message in text
    assert "Fix the file or pass another one with --config." in text


def test_every_rule_has_an_id_and_a_summary() -> None:
    assert [r.id for r in POLICY_RULES.values()] == [f"policy-{n}" for n in POLICY_RULES]
    assert all(r.summary.endswith(".") for r in POLICY_RULES.values())


def test_a_bad_policy_is_exit_1_with_the_line_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[policy]\n\n[policy.provenance]\ntiers = ["Gold"]\n')
    (tmp_path / "registry").mkdir()
    monkeypatch.chdir(tmp_path)
    for args in (["validate"], ["validate", "--policy"], ["build"]):
        result = run_cli(args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith(f"Error: {path}:{line(path, 'tiers')}: policy.prove")
        assert "Traceback" not in result.output


def test_every_rule_is_documented_on_the_health_page() -> None:
    page = (Path(__file__).resolve().parents[2] / "site" / "docs" / "health.md").read_text()
    missing = [r.id for r in POLICY_RULES.values() if f"`{r.id}`" not in page]
    missing += [n for n in POLICY_RULES if f"`{n}`" not in page]
    assert missing == []

"""The ``[policy]`` table of ``regup.toml``: which rules ``regup validate --policy`` applies.

A policy is a set of rules over the committed check results (``registry/health.json``,
``registry/provenance.json``) and the entries themselves; each rule has a severity
(``error``, ``warning`` or ``off``) and, for some, a parameter::

    [policy]
    archived = "error"                 # a rule without parameters: just its severity
    pinned = "warning"

    [policy.license]                   # a rule with parameters: a table
    severity = "error"                 # optional in a table: error
    allow = ["MIT", "Apache-2.0"]

Rules that are not named are off, except ``unchecked`` (an entry with no record yet for a
rule that needs one), which is a warning unless set otherwise. The rules are evaluated by
:mod:`regup.validate.policy`; this module only reads and checks the settings, and every
bad value is a :class:`~regup.errors.ConfigError` naming the line of ``regup.toml``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regup.diagnostics import Severity
from regup.errors import ConfigError
from regup.resources import load_schema

#: The severities a rule may have; ``off`` turns it off.
SEVERITIES = ("error", "warning", "off")


@dataclass(frozen=True)
class PolicyRule:
    """One rule of the policy: its diagnostic id, what it requires, and its parameters."""

    name: str
    id: str
    summary: str
    #: parameter name -> what it holds (the docs and the error messages say this)
    params: Mapping[str, str] = field(default_factory=dict)
    #: the parameter that must be given when the rule is on (None: none is required)
    required: str | None = None


#: Every rule of ``[policy]``, by its key in the table.
POLICY_RULES: dict[str, PolicyRule] = {
    r.name: r
    for r in (
        PolicyRule(
            "license",
            "policy-license",
            "The entry's license is on the allow-list: the declared `license`, else the one "
            "GitHub detects in the repository (`regup check`). No license known fails.",
            {"allow": 'list of SPDX ids, such as ["MIT", "Apache-2.0"]'},
            required="allow",
        ),
        PolicyRule(
            "archived",
            "policy-archived",
            "The repository is not archived and still exists on GitHub (`regup check`).",
        ),
        PolicyRule(
            "stale",
            "policy-stale",
            "The repository had a push within `max_days` days of the last check.",
            {"max_days": "a whole number of days, at least 1"},
            required="max_days",
        ),
        PolicyRule(
            "provenance",
            "policy-provenance",
            "A container entry of the given tiers declares provenance and its last "
            "`regup verify` verified the signature.",
            {"tiers": 'list of tiers it applies to (default: all), such as ["Official"]'},
        ),
        PolicyRule(
            "pinned",
            "policy-pinned",
            "A container entry's image is pinned: a digest or a version tag, not latest, "
            "main or no tag.",
        ),
        PolicyRule(
            "healthy",
            "policy-healthy",
            "A remote server answered the last MCP handshake (healthy, or up and asking for "
            "credentials) (`regup check`); a container server once it was run "
            "(`--run-containers`).",
        ),
        PolicyRule(
            "drift",
            "policy-drift",
            "The server's tools did not change against the entry since they were reviewed "
            "(`regup check`; a container server once it was run).",
        ),
        PolicyRule(
            "unchecked",
            "policy-unchecked",
            "Says which rules could not be decided for an entry because it has no record "
            "yet (run `regup check` / `regup verify`). A warning unless set otherwise.",
        ),
    )
}

#: Severity of a rule that the table does not name.
DEFAULT_SEVERITY: Mapping[str, str] = {"unchecked": "warning"}


@functools.cache
def tiers() -> tuple[str, ...]:
    """The tiers an entry may have, as the entry schema lists them."""
    enum = load_schema("spec.schema.json")["properties"]["tier"]["enum"]
    return tuple(str(t) for t in enum)


@dataclass(frozen=True)
class Policy:
    """The rules that are on, with their severity and parameters."""

    #: rule name -> severity, only the rules that are on (left out of the hash, so that a
    #: Config stays hashable; equal policies still hash alike)
    severities: Mapping[str, Severity] = field(default_factory=dict, hash=False)
    allow_licenses: tuple[str, ...] = ()
    max_days: int = 0
    provenance_tiers: tuple[str, ...] = ()

    def severity(self, rule: str) -> Severity | None:
        """The severity of ``rule``, or None when it is off."""
        return self.severities.get(rule)

    @classmethod
    def from_table(cls, table: Any, path: Path, text: str) -> Policy:
        """The policy of a ``[policy]`` table read from ``path`` (whose ``text`` gives lines).

        Raises :class:`ConfigError` with the line of the bad value.
        """
        where = _Locator(path, text)
        if not isinstance(table, dict):
            raise where.error(("policy",), "[policy] must be a table")
        unknown = sorted(set(table) - set(POLICY_RULES))
        if unknown:
            raise where.error(
                ("policy", unknown[0]),
                f"policy.{unknown[0]} is not a policy rule; the rules are "
                f"{', '.join(POLICY_RULES)}",
            )
        severities: dict[str, Severity] = {}
        params: dict[str, Any] = {}
        for name, rule in POLICY_RULES.items():
            value = table.get(name)
            level = DEFAULT_SEVERITY.get(name, "off") if value is None else "error"
            given: dict[str, Any] = {}
            if isinstance(value, str):
                level = value
            elif isinstance(value, dict):
                extra = sorted(set(value) - {"severity", *rule.params})
                if extra:
                    known = ", ".join(["severity", *rule.params])
                    raise where.error(
                        ("policy", name, extra[0]),
                        f"policy.{name}.{extra[0]} is not a setting of this rule; it has {known}",
                    )
                level = value.get("severity", "error")
                given = {k: v for k, v in value.items() if k != "severity"}
                if not isinstance(level, str):
                    raise where.error(
                        ("policy", name, "severity"),
                        f"policy.{name}.severity must be one of {', '.join(SEVERITIES)}",
                    )
            elif value is not None:
                raise where.error(
                    ("policy", name),
                    f'policy.{name} must be a severity ("error", "warning" or "off") or a '
                    "table with severity" + "".join(f" and {p}" for p in rule.params),
                )
            if level not in SEVERITIES:
                raise where.error(
                    ("policy", name, "severity") if isinstance(value, dict) else ("policy", name),
                    f"policy.{name}: {level!r} is not a severity; use one of "
                    f"{', '.join(SEVERITIES)}",
                )
            if level != "off":
                if rule.required and rule.required not in given:
                    raise where.error(
                        ("policy", name),
                        f"policy.{name} needs {rule.required} ({rule.params[rule.required]}): "
                        f"write it as a table, [policy.{name}] with {rule.required} = …",
                    )
                severities[name] = Severity(level)
            for key, item in given.items():
                params[name + "." + key] = _param(where, name, key, item)
        return cls(
            severities=severities,
            allow_licenses=params.get("license.allow", ()),
            max_days=params.get("stale.max_days", 0),
            provenance_tiers=params.get("provenance.tiers", tiers()),
        )


def _strings(where: _Locator, place: tuple[str, ...], value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.error(place, f"{'.'.join(place)} must be a {what}")
    return tuple(sorted(set(value)))


def _param(where: _Locator, rule: str, key: str, value: Any) -> Any:
    place = ("policy", rule, key)
    if key == "allow":
        allowed = _strings(where, place, value, POLICY_RULES[rule].params[key])
        if not allowed:
            raise where.error(place, "policy.license.allow is empty: no license would pass")
        return allowed
    if key == "max_days":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise where.error(place, "policy.stale.max_days must be a whole number of days, ≥ 1")
        return value
    # provenance.tiers
    named = _strings(where, place, value, POLICY_RULES[rule].params[key])
    wrong = [t for t in named if t not in tiers()]
    if wrong or not named:
        bad = repr(wrong[0]) if wrong else "an empty list"
        raise where.error(
            place,
            f"policy.provenance.tiers: {bad} is not a tier; the tiers are {', '.join(tiers())}",
        )
    return named


_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


class _Locator:
    """Finds the line of a key of ``regup.toml`` for an error message.

    tomllib gives values, not positions; a line scan of table headers and ``key =`` lines
    is enough to point at a setting (the closest written ancestor when the key itself is
    not written, as for a missing parameter).
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines: list[tuple[int, tuple[str, ...]]] = []
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                table = _dotted(header.group(1))
                self.lines.append((number, table))
                continue
            key = _KEY.match(line)
            if key:
                self.lines.append((number, table + _dotted(key.group(1))))

    def line_of(self, place: tuple[str, ...]) -> int | None:
        best: tuple[int, int] | None = None  # (matched length, line)
        for number, written in self.lines:
            common = 0
            while common < min(len(written), len(place)) and written[common] == place[common]:
                common += 1
            if common and common == min(len(written), len(place)):
                if best is None or common > best[0]:
                    best = (common, number)
        return best[1] if best else None

    def error(self, place: tuple[str, ...], why: str) -> ConfigError:
        line = self.line_of(place)
        return ConfigError.bad_file(Path(f"{self.path}:{line}") if line else self.path, why)

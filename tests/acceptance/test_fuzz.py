"""The registry fuzzer with a fixed budget: mutated real entries and YAML text never make a
command crash, hang, exit with an odd code or report a problem without its file.

The strategies and the property live in ``tests/fuzzing.py``; ``scripts/fuzz.py --minutes N``
runs the same property for longer.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from regup.diagnostics import Diagnostic, Severity
from regup.report.diagnostics import REPORTERS, Summary
from tests.conftest import RegistryFactory
from tests.fuzzing import FuzzEntry, check_registry, registries
from tests.helpers import Files, container, run_cli, to_yaml

#: Fixed and derandomized: the same examples on every run, about 30 s on 2 cores.
BUDGET = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)


@BUDGET
@given(registries())
def test_mutated_entries_never_crash_hang_or_lose_the_file(entries: list[FuzzEntry]) -> None:
    with tempfile.TemporaryDirectory(prefix="regup-fuzz-") as work:
        check_registry(entries, Path(work))


# --- inputs the fuzzer found, kept as regression tests ----------------------------------------


def test_tools_json_holding_null_is_a_diagnostic(make_registry: RegistryFactory) -> None:
    """``null`` parsed to None, which later checks took for "unreadable": 'bug in regup'."""
    registry = make_registry(fetch=Files({"spec.yaml": to_yaml(container()), "tools.json": "null"}))
    result = run_cli(["--registry", str(registry), "validate"])
    assert result.exit_code == 1, result.output
    assert "fetch/tools.json:1:1: error: the file holds null" in result.output
    assert "[tool-definitions]" in result.output and "bug in regup" not in result.output


def test_an_env_var_with_an_empty_name_is_not_shown_as_its_nul_stand_in(
    make_registry: RegistryFactory,
) -> None:
    """Validation names a broken variable ``\\0invalid-0`` internally; a message printed it."""
    variable = {"name": "", "description": "Password.", "required": True, "default": "x"}
    registry = make_registry(fetch=container(env_vars=[variable]))
    result = run_cli(["--registry", str(registry), "validate"])
    assert result.exit_code == 1, result.output
    assert "env_vars[0] is required, so its default is never used" in result.output
    assert "\0" not in result.output and "invalid-0" not in result.output


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_control_characters_in_a_diagnostic_are_escaped_by_every_reporter(fmt: str) -> None:
    """A message or path quoting a NUL, an OSC title sequence or a C1 CSI reached the output."""
    hostile = Diagnostic(
        "registry/a\0b/spec.yaml", 3, 1, Severity.ERROR, "x", "quotes \x1b]0;pwned\x07 and \x9b2J"
    )
    out = io.StringIO()
    REPORTERS[fmt]([hostile], Summary(1, 1, 0), out, color=False, quiet=True)
    text = out.getvalue()
    assert "registry/a\\x00b/spec.yaml" in text and "\\x1b]0;pwned\\x07" in text, text
    assert "\\x9b2J" in text
    assert not any(c in text for c in "\0\x1b\x07\x9b")


def test_a_folder_name_with_an_esc_sequence_is_escaped_in_github_annotations(
    make_registry: RegistryFactory,
) -> None:
    """click strips ANSI sequences from text output only; the GitHub format printed them."""
    registry = make_registry(**{"esc\x1b[2J\x9b": container()})
    result = run_cli(["--registry", str(registry), "validate", "--format", "github"])
    assert result.exit_code == 1, result.output
    assert "esc\\x1b[2J\\x9b/spec.yaml" in result.output
    assert "\x1b" not in result.output and "\x9b" not in result.output

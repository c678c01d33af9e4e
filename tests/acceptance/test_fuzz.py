"""The registry fuzzer with a fixed budget: mutated real entries and YAML text never make a
command crash, hang, exit with an odd code or report a problem without its file.

The strategies and the property live in ``tests/fuzzing.py``; ``scripts/fuzz.py --minutes N``
runs the same property for longer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

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

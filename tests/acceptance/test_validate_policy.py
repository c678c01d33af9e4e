"""``regup validate --policy`` end to end: records written by ``regup check`` (real MCP
servers, the fake GitHub API) and committed state files, judged offline by a separate
``regup`` process, with exit codes and file:line:col in every reporter."""

from __future__ import annotations

import json
import socket
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import RegistryFactory
from tests.fakeservices import FakeGitHub, FakeRepo, serve_services
from tests.helpers import config_toml, container, remote, run_cli, run_subprocess
from tests.mcpservers import TOOL_NAMES, serve_mcp

POLICY = """
[policy]
archived = "error"
healthy = "error"

[policy.license]
allow = ["MIT", "Apache-2.0"]

[policy.stale]
severity = "warning"
max_days = 365
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def line_of(registry: Path, name: str, prefix: str) -> int:
    lines = (registry / name / "spec.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(prefix))


def days_ago(days: int) -> str:
    return f"{(date.today() - timedelta(days=days)).isoformat()}T10:00:00Z"


def test_records_of_regup_check_are_judged_by_the_policy(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    repos = [
        FakeRepo("org", "weather", stars=3, license="MIT", pushed_at=days_ago(10)),
        FakeRepo("org", "old", 1, archived=True, license="GPL-3.0", pushed_at=days_ago(800)),
    ]
    fields: dict[str, object] = {"tools": TOOL_NAMES, "headers": None, "oauth_config": None}
    with serve_services(FakeGitHub(repos)) as services, serve_mcp() as server:
        registry = make_registry(
            weather=remote(
                url=server.url, repository_url="https://github.com/org/weather", **fields
            ),
            old=remote(
                url=f"http://127.0.0.1:{free_port()}/mcp",
                repository_url="https://github.com/org/old",
                **fields,
            ),
        )
        github = services.github_server.base_url
        checked = run_cli(["--registry", str(registry), "check", "--github-api", github])
    assert checked.exit_code == 0, checked.output
    assert (registry / "health.json").is_file()
    (tmp_path / "regup.toml").write_text(config_toml() + POLICY)

    result = run_subprocess(["validate", "--policy"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    repo_line = line_of(registry, "old", "repository_url:")
    url_line = line_of(registry, "old", "url:")
    today = date.today().isoformat()
    lines = result.stdout.splitlines()
    assert lines == [
        f"registry/old/spec.yaml:{url_line}:6: error: the server is unreachable (as of the "
        f"check of {today}): {_detail(registry, 'old')} [policy-healthy]",
        f"registry/old/spec.yaml:{repo_line}:17: error: the repository is archived (read-only) "
        f"(as of the check of {today}); the policy allows no archived or missing repositories "
        "[policy-archived]",
        f"registry/old/spec.yaml:{repo_line}:17: error: the repository's license 'GPL-3.0' (as "
        f"of the check of {today}) is not on the policy's allow-list (Apache-2.0, MIT) "
        "[policy-license]",
        f"registry/old/spec.yaml:{repo_line}:17: warning: the repository's last push was "
        f"{days_ago(800)[:10]}, 800 days before the check of {today}; the policy allows at "
        "most 365 [policy-stale]",
        "3 errors, 1 warning in 2 files.",
    ]

    as_json = run_subprocess(["validate", "--policy", "--format", "json"], cwd=tmp_path)
    assert as_json.returncode == 1
    found = json.loads(as_json.stdout)
    assert sorted(d["rule"] for d in found["diagnostics"]) == [
        "policy-archived",
        "policy-healthy",
        "policy-license",
        "policy-stale",
    ]
    github_out = run_subprocess(["validate", "--policy", "--format", "github"], cwd=tmp_path)
    assert github_out.returncode == 1
    assert (
        f"::error file=registry/old/spec.yaml,line={repo_line},col=17,title=policy-archived::"
        in github_out.stdout
    )

    # only the healthy entry: passes; without --policy the records are not read at all
    only = run_subprocess(["validate", "--policy", "weather"], cwd=tmp_path)
    assert (only.returncode, only.stdout) == (0, "All 1 file valid.\n")
    plain = run_subprocess(["validate"], cwd=tmp_path)
    assert plain.returncode == 0 and "policy-" not in plain.stdout

    # the same policy as warnings: reported, exit 0; --strict makes them fail again
    (tmp_path / "regup.toml").write_text(
        config_toml()
        + POLICY.replace('"error"', '"warning"').replace(
            "[policy.license]", '[policy.license]\nseverity = "warning"'
        )
    )
    warned = run_subprocess(["validate", "--policy"], cwd=tmp_path)
    assert warned.returncode == 0, warned.stdout
    assert warned.stdout.splitlines()[-1] == "0 errors, 4 warnings in 2 files."
    strict = run_subprocess(["validate", "--policy", "--strict"], cwd=tmp_path)
    assert strict.returncode == 1


def _detail(registry: Path, name: str) -> str:
    doc = json.loads((registry / "health.json").read_text())
    return str(doc["entries"][name]["live"]["detail"])


PROVENANCE = {
    "sigstore_url": "tuf-repo-cdn.sigstore.dev",
    "repository_uri": "https://github.com/example/fetch",
    "signer_identity": "/.github/workflows/release.yml",
    "runner_environment": "github-hosted",
    "cert_issuer": "https://token.actions.githubusercontent.com",
}


def test_committed_state_files_and_entries_not_checked_yet(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    registry = make_registry(
        signed=container(tier="Official", provenance=PROVENANCE, tools=["fetch"]),
        forged=container(
            tier="Official", provenance=PROVENANCE, image="ghcr.io/example/forged:2.0.0"
        ),
        loose=container(image="ghcr.io/example/loose:latest", version="1.0.0"),
        fresh=remote(),
    )
    (registry / "provenance.json").write_text(
        json.dumps(
            {
                "version": 1,
                "entries": {
                    "signed": {
                        "outcome": "verified",
                        "detail": "ok",
                        "image": "ghcr.io/example/fetch:1.2.3",
                    },
                    "forged": {
                        "outcome": "invalid",
                        "detail": "the signature does not verify",
                        "image": "ghcr.io/example/forged:2.0.0",
                    },
                },
            }
        )
    )
    # as `regup check --run-containers` records it: the container ran, its tools changed
    healthy = {"state": "healthy", "detail": "answered", "checked_on": "2026-11-30"}
    drifted = {
        "state": "drifted",
        "detail": "tools changed",
        "facts": {"added": ["delete_all"], "against": "the last check"},
        "since": "2026-11-30",
        "checked_on": "2026-11-30",
    }
    (registry / "health.json").write_text(
        json.dumps({"version": 1, "entries": {"signed": {"drift": drifted, "live": healthy}}})
    )
    (tmp_path / "regup.toml").write_text(
        config_toml()
        + '\n[policy]\npinned = "warning"\ndrift = "error"\n'
        + '[policy.provenance]\ntiers = ["Official"]\n'
    )
    result = run_subprocess(["validate", "--policy"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "2 errors, 3 warnings in 4 files."
    forged = line_of(registry, "forged", "provenance:")
    assert (
        f"registry/forged/spec.yaml:{forged}:1: error: the last verification says invalid: "
        "the signature does not verify; the policy requires verified provenance of Official "
        "container entries [policy-provenance]"
    ) in lines
    tools = line_of(registry, "signed", "tools:")
    assert any(
        line.startswith(
            f"registry/signed/spec.yaml:{tools}:1: error: the server's tools changed "
            "(added delete_all) (as of the check of 2026-11-30)"
        )
        for line in lines
    ), lines
    image = line_of(registry, "loose", "image:")
    assert any(
        line.startswith(f"registry/loose/spec.yaml:{image}:8: warning: image ") for line in lines
    )
    unchecked = [line for line in lines if line.endswith("[policy-unchecked]")]
    # containers that were not run are not judged on drift; the remote server is not checked
    assert [line.split(":")[0] for line in unchecked] == ["registry/fresh/spec.yaml"]
    assert all(":1:1: warning: not checked yet" in line for line in unchecked)
    assert (
        "policy-drift (no record in registry/health.json: run `regup check fresh`)"
        in (unchecked[0])
    )


def test_clear_errors_without_a_policy_or_with_a_broken_state_file(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    registry = make_registry(fresh=remote())
    (tmp_path / "regup.toml").write_text(config_toml())
    missing = run_subprocess(["validate", "--policy"], cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith(
        f"Error: --policy: {tmp_path / 'regup.toml'} has no [policy] table."
    )
    (tmp_path / "regup.toml").write_text(config_toml() + '[policy]\narchived = "error"\n')
    (registry / "health.json").write_text('{"version": 1, "entries": 5}')
    broken = run_subprocess(["validate", "--policy"], cwd=tmp_path)
    assert broken.returncode == 1
    assert "is not a valid health state file" in broken.stderr
    assert "Traceback" not in broken.stderr

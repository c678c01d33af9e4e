"""The automation: workflows, the composite action, the pre-commit hooks and Renovate.

- actionlint (a real binary, from the dev extra) passes on every workflow, and fails on a
  broken one, so the lint is known to run;
- every action is pinned to a commit with its version in a comment; permissions are least
  privilege; nothing runs a pull request's code with a writable token;
- every ``regup`` command line in the workflows, the action and the hooks names a command
  and options that exist, so a renamed command or option cannot break CI silently;
- the composite action's steps run for real against a temporary registry;
- pre-commit runs the hooks against a temporary registry repository with a bad entry;
- Renovate's regex finds every image of ``registry/*/spec.yaml``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from regup.cli import cli
from tests.helpers import REPO_ROOT, container, write_config, write_registry

WORKFLOW_DIR = REPO_ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
ACTION = REPO_ROOT / "action.yml"
HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"
RENOVATE = REPO_ROOT / "renovate.json"
BIN = Path(sys.executable).parent

BAD_ENTRY = container(transport="carrier-pigeon")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: Mapping[Any, Any]) -> Any:
    # YAML 1.1 reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is missing: run scripts/setup (the dev extra installs it)"
    return found


def git_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
    }


def test_the_expected_files_exist() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "pr-comment.yml",
        "publish.yml",
        "pull-request.yml",
        "refresh.yml",
    ]
    for path in (ACTION, HOOKS, RENOVATE, REPO_ROOT / ".github" / "PULL_REQUEST_TEMPLATE.md"):
        assert path.is_file(), path


# --- actionlint ---------------------------------------------------------------------------


def actionlint(*files: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("actionlint"), "-no-color", "-oneline", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_passes_on_every_workflow() -> None:
    # Run from the root, so `uses: ./` is checked against action.yml's inputs.
    result = actionlint(*WORKFLOWS, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The lint is real: an unknown action input and a script injection are reported."""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    # actionlint finds `uses: ./` from the repository's root, which .git marks
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, env=git_env(tmp_path), check=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.write_text(
        (WORKFLOW_DIR / "pull-request.yml")
        .read_text(encoding="utf-8")
        .replace('install: "false"', 'install: "false"\n          colour: red')
        .replace("run: scripts/test", "run: echo ${{ github.event.pull_request.title }}")
    )
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode == 1
    assert 'input "colour" is not defined in action "regup"' in result.stdout
    assert '"github.event.pull_request.title" is potentially untrusted' in result.stdout


# --- pins and permissions -----------------------------------------------------------------

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^\s+# v\d+(\.\d+)*\s*$")


def uses_lines() -> Iterator[tuple[str, str, str]]:
    for path in [*WORKFLOWS, ACTION]:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = USES.match(line)
            if match:
                yield path.name, match.group(1), match.group(2)


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    seen = list(uses_lines())
    assert len(seen) > 10
    for where, ref, comment in seen:
        if ref == "./":
            continue
        assert PINNED.match(ref), f"{where}: {ref} is not pinned to a full commit SHA"
        assert VERSION_COMMENT.match(comment), f"{where}: {ref} has no '# vX.Y.Z' comment"


def test_one_commit_per_action() -> None:
    """The same action is pinned to the same commit everywhere (Renovate bumps them together)."""
    pins: dict[str, set[str]] = {}
    for _, ref, comment in uses_lines():
        if ref != "./":
            name, sha = ref.split("@")
            pins.setdefault(name, set()).add(sha + comment)
    assert {name: len(shas) for name, shas in pins.items() if len(shas) > 1} == {}


def all_permissions(workflow: Mapping[str, Any]) -> list[Any]:
    blocks = [workflow.get("permissions")]
    blocks += [job.get("permissions") for job in workflow["jobs"].values() if "permissions" in job]
    return blocks


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_least_privilege(path: Path) -> None:
    workflow = load_yaml(path)
    assert "permissions" in workflow, "every workflow sets its default token permissions"
    for block in all_permissions(workflow):
        assert isinstance(block, dict), f"permissions must list scopes, not {block!r}"
    assert "pull_request_target" not in triggers(workflow)
    for name, job in workflow["jobs"].items():
        assert "timeout-minutes" in job, f"job {name} has no timeout"
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (
                    f"{path.name}: checkout keeps the token in .git/config"
                )
    if triggers(workflow) and "pull_request" in triggers(workflow):
        # The contributor's code runs here: read-only, whatever the job.
        for block in all_permissions(workflow):
            assert set(block.values()) <= {"read"}, block


def test_the_comment_workflow_never_runs_pull_request_code() -> None:
    workflow = load_yaml(WORKFLOW_DIR / "pr-comment.yml")
    assert list(triggers(workflow)) == ["workflow_run"]
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    uses = [step.get("uses", "") for step in job["steps"]]
    assert not any(u.startswith("actions/checkout@") or u.startswith("./") for u in uses)
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "${{" not in script, "event values reach scripts only through env"
    assert '[ "$pr_head" != "$HEAD_SHA" ]' in script, "the PR number from the artifact is checked"


def test_write_scopes_are_where_they_are_needed() -> None:
    publish = load_yaml(WORKFLOW_DIR / "publish.yml")
    assert publish["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert publish["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["jobs"]["release"]["permissions"] == {"contents": "write"}
    refresh = load_yaml(WORKFLOW_DIR / "refresh.yml")
    assert refresh["permissions"] == {}
    assert refresh["jobs"]["refresh"]["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
    }


# --- the regup command lines --------------------------------------------------------------

INVOCATION = re.compile(r"(?:^|[\s;&|(])(?:[\w./-]*/)?regup[ \t]+([^|;&<>)\n]*)")
GLOBAL_WITH_VALUE = {"--registry", "--config"}
GLOBAL_FLAGS = {"-v", "--verbose", "-q", "--quiet", "-vv"}


@dataclass(frozen=True)
class Invocation:
    where: str
    words: tuple[str, ...]


def invocations_in(script: str, where: str) -> list[Invocation]:
    script = script.replace("\\\n", " ")
    found = []
    for line in script.splitlines():
        if line.lstrip().startswith("#") or line.lstrip().startswith("echo"):
            continue
        for match in INVOCATION.finditer(line):
            try:
                words = shlex.split(match.group(1))
            except ValueError:
                words = match.group(1).split()
            found.append(Invocation(where, tuple(words)))
    return found


def all_invocations() -> list[Invocation]:
    found: list[Invocation] = []
    for path in WORKFLOWS:
        for name, job in load_yaml(path)["jobs"].items():
            for step in job.get("steps", []):
                where = f"{path.name}: {name}: {step.get('name', '')}"
                found += invocations_in(step.get("run", ""), where)
                if step.get("uses") == "./":
                    inputs = step.get("with", {})
                    words = (inputs.get("command", "validate"), *inputs.get("args", "").split())
                    found.append(Invocation(where, words))
    action = load_yaml(ACTION)
    for step in action["runs"]["steps"]:
        found += invocations_in(step.get("run", ""), f"action.yml: {step['name']}")
    found.append(
        Invocation("action.yml: default command", (action["inputs"]["command"]["default"],))
    )
    for hook in load_yaml(HOOKS):
        found.append(
            Invocation(f".pre-commit-hooks.yaml: {hook['id']}", tuple(hook["entry"].split()[1:]))
        )
    return found


def options_of(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def check_invocation(invocation: Invocation) -> list[str]:
    """Problems with one command line: an unknown command or option."""
    words = list(invocation.words)
    while words and words[0].startswith("-"):
        flag = words.pop(0).split("=", 1)[0]
        if flag in GLOBAL_WITH_VALUE and words:
            words.pop(0)
        elif flag not in GLOBAL_FLAGS | GLOBAL_WITH_VALUE:
            return [f"{invocation.where}: unknown global option {flag}"]
    if not words or words[0].startswith("$"):
        return []  # the command is a variable (the action's `command` input)
    name, *rest = words
    command = cli.get_command(click.Context(cli), name)
    if command is None:
        return [f"{invocation.where}: `regup {name}` is not a command"]
    known = options_of(command) | {"--help", "-h"}
    return [
        f"{invocation.where}: `regup {name}` has no option {word.split('=', 1)[0]}"
        for word in rest
        if word.startswith("--") and word.split("=", 1)[0] not in known
    ]


def test_every_command_line_names_commands_and_options_that_exist() -> None:
    found = all_invocations()
    names = {i.words[0] for i in found if i.words and not i.words[0].startswith(("-", "$"))}
    assert {"validate", "build", "diff", "refresh"} <= names, names
    assert any("--provenance" in i.words for i in found if i.words[:1] == ("refresh",))
    problems = [p for i in found for p in check_invocation(i)]
    assert problems == []


def test_the_check_catches_a_renamed_command_and_option() -> None:
    assert check_invocation(Invocation("x", ("diff", "a", "b", "--format", "markdown"))) == []
    assert check_invocation(Invocation("x", ("--registry", "r", "build", "--check"))) == []
    assert check_invocation(Invocation("x", ("compare", "a", "b"))) == [
        "x: `regup compare` is not a command"
    ]
    assert check_invocation(Invocation("x", ("diff", "a", "b", "--fmt=json"))) == [
        "x: `regup diff` has no option --fmt"
    ]
    assert invocations_in("a | .venv/bin/regup diff HEAD^1 HEAD > x.md", "w") == [
        Invocation("w", ("diff", "HEAD^1", "HEAD"))
    ]


# --- the composite action, run for real ---------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


@dataclass(frozen=True)
class ActionRun:
    exit_code: int
    output: str
    outputs: dict[str, str]


def run_action(inputs: Mapping[str, str], cwd: Path, tmp_path: Path) -> ActionRun:
    """Run action.yml's steps as the GitHub runner does: each `run` with bash -eo pipefail.

    `uses` steps (setup-python) are skipped: this machine has its Python. Expressions other
    than inputs and github.action_path fail the test, so new ones get a test too.
    """
    action = load_yaml(ACTION)
    values = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    assert set(inputs) <= set(values), set(inputs) - set(values)
    values.update(inputs)

    def expand(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("inputs."):
                return values[expr.removeprefix("inputs.")]
            assert expr == "github.action_path", f"unknown expression {expr}"
            return str(REPO_ROOT)

        return EXPRESSION.sub(one, text)

    def condition(expr: str) -> bool:
        match = re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", expr.strip())
        assert match, f"unsupported condition {expr}"
        return values[match.group(1)] == match.group(2)

    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    output_file, path_file = runner / "output", runner / "path"
    output_file.touch()
    path_file.touch()
    log = []
    code = 0
    for number, step in enumerate(action["runs"]["steps"]):
        if "if" in step and not condition(step["if"]):
            continue
        if "uses" in step:
            assert str(step["uses"]).startswith("actions/setup-python@")
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs reach the script only through env"
        extra = path_file.read_text().split()
        env = {
            **os.environ,
            "PATH": os.pathsep.join([*reversed(extra), str(BIN), os.environ.get("PATH", "")]),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_PATH": str(path_file),
            "RUNNER_TEMP": str(runner),
            **{k: expand(str(v)) for k, v in step.get("env", {}).items()},
        }
        script = runner / f"step-{number}.sh"
        script.write_text(step["run"])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd / expand(step.get("working-directory", ".")),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        log.append(done.stdout + done.stderr)
        code = done.returncode
        if code != 0:
            break
    outputs = dict(
        line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
    )
    return ActionRun(code, "".join(log), outputs)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A registry repository's folder with one good and one bad entry."""
    root = tmp_path / "project"
    write_registry(root / "registry", fetch=container(), broken=BAD_ENTRY)
    write_config(root)
    return root


def test_the_action_validates_with_annotations(project: Path, tmp_path: Path) -> None:
    run = run_action(
        {"command": "validate", "args": "--format github", "install": "false"}, project, tmp_path
    )
    assert run.exit_code == 1
    assert run.outputs == {"exit-code": "1"}
    assert "::error file=registry/broken/spec.yaml,line=4,col=12," in run.output
    assert "carrier-pigeon" in run.output


def test_the_action_writes_an_output_file(project: Path, tmp_path: Path) -> None:
    (project / "old").mkdir()
    run = run_action(
        {
            "command": "diff",
            "args": "old registry --format markdown",
            "output-file": "diff.md",
            "install": "false",
        },
        project,
        tmp_path,
    )
    assert run.exit_code == 0, run.output
    assert run.outputs == {"exit-code": "0"}
    written = (project / "diff.md").read_text()
    assert written.startswith("### Registry changes: `old` → `registry`")
    assert "- `fetch`: new container server" in written
    assert written in run.output


def test_the_action_takes_another_registry_folder_and_no_glob(
    project: Path, tmp_path: Path
) -> None:
    (project / "registry").rename(project / "servers")
    (project / "servers" / "broken").rename(project / "servers" / "fetch-two")
    write_registry(project / "servers", **{"fetch-two": container()})
    run = run_action(
        {"command": "list", "args": "--format json", "registry": "servers", "install": "false"},
        project,
        tmp_path,
    )
    assert run.exit_code == 0, run.output
    assert [s["name"] for s in json.loads(run.output)] == ["fetch", "fetch-two"]
    # `*` is passed to regup as it is, never expanded against the files of the folder
    star = run_action(
        {"command": "info", "args": "*", "registry": "servers", "install": "false"},
        project,
        tmp_path,
    )
    assert star.exit_code == 1
    assert "'*'" in star.output


def test_the_action_installs_from_its_own_folder_by_default() -> None:
    action = load_yaml(ACTION)
    install = next(s for s in action["runs"]["steps"] if s["name"] == "Install regup")
    assert install["env"]["REGUP_ACTION_PATH"] == "${{ github.action_path }}"
    assert '"${REGUP_REQUIREMENT:-$REGUP_ACTION_PATH}"' in install["run"]
    assert (REPO_ROOT / "pyproject.toml").is_file()  # what pip installs from the action's ref


# --- pre-commit ---------------------------------------------------------------------------


def test_the_hook_manifest_is_valid() -> None:
    result = subprocess.run(
        [tool("pre-commit"), "validate-manifest", str(HOOKS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def local_config(hook_ids: list[str]) -> str:
    """A .pre-commit-config.yaml with our hooks as `repo: local` hooks.

    Everything comes from the manifest but how regup is installed: `language: python`
    would pip-install this repository from an index, which tests cannot reach, so the hooks
    run the regup of this environment (`language: system`).
    """
    hooks = []
    for hook in load_yaml(HOOKS):
        if hook["id"] in hook_ids:
            assert hook["language"] == "python"
            local = {**hook, "language": "system", "entry": str(BIN / hook["entry"])}
            local.pop("minimum_pre_commit_version", None)
            hooks.append(local)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def test_pre_commit_runs_the_validate_hook(tmp_path: Path) -> None:
    repo = tmp_path / "registry-repo"
    write_registry(repo / "registry", fetch=container(), broken=BAD_ENTRY)
    write_config(repo)
    (repo / "README.md").write_text("A registry.\n")
    (repo / ".pre-commit-config.yaml").write_text(local_config(["regup-validate"]))
    env = git_env(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=180)

    run("git", "init", "-q")
    run("git", "add", "-A")
    failed = run(tool("pre-commit"), "run", "--all-files", "--color", "never")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "regup validate" in failed.stdout and "Failed" in failed.stdout
    assert "registry/broken/spec.yaml:4:12: error:" in failed.stdout
    assert "registry/fetch/spec.yaml" not in failed.stdout

    write_registry(repo / "registry", broken=container(image="ghcr.io/example/ok:1.0.0"))
    run("git", "add", "-A")
    passed = run(tool("pre-commit"), "run", "--all-files", "--color", "never")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "regup validate" in passed.stdout and "Passed" in passed.stdout

    (repo / "README.md").write_text("Only the readme changed.\n")
    run("git", "add", "-A")
    skipped = run(tool("pre-commit"), "run", "--files", "README.md", "--color", "never")
    assert skipped.returncode == 0
    assert "(no files to check)Skipped" in skipped.stdout


def test_pre_commit_runs_the_build_check_hook(tmp_path: Path) -> None:
    repo = tmp_path / "registry-repo"
    write_registry(repo / "registry", fetch=container())
    write_config(repo)
    (repo / ".pre-commit-config.yaml").write_text(local_config(["regup-build-check"]))
    env = git_env(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=180)

    run("git", "init", "-q")
    run("git", "add", "-A")
    stale = run(tool("pre-commit"), "run", "--all-files", "--color", "never")
    assert stale.returncode == 1
    assert "dist is out of date" in stale.stdout
    assert run(str(BIN / "regup"), "build").returncode == 0
    run("git", "add", "-A")
    fresh = run(tool("pre-commit"), "run", "--all-files", "--color", "never")
    assert fresh.returncode == 0, fresh.stdout


# --- Renovate -----------------------------------------------------------------------------


def test_renovate_leaves_server_images_to_refresh_bump() -> None:
    """Images move with `regup refresh --bump` (version and provenance with them); a second
    bot bumping the same tags would open a conflicting pull request for each."""
    config = json.loads(RENOVATE.read_text(encoding="utf-8"))
    assert "customManagers" not in config
    assert all("registry/**" not in r.get("matchFileNames", []) for r in config["packageRules"])
    assert any(r.get("matchManagers") == ["github-actions"] for r in config["packageRules"])
    refresh = (REPO_ROOT / ".github" / "workflows" / "refresh.yml").read_text(encoding="utf-8")
    assert "--bump" in refresh


# --- issue and pull request templates -----------------------------------------------------


def test_issue_forms_are_well_formed() -> None:
    forms = sorted((REPO_ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.yml"))
    names = [f.name for f in forms]
    assert names == ["add-server.yml", "bug.yml", "config.yml"]
    for form in forms:
        data = load_yaml(form)
        if form.name == "config.yml":
            assert data == {"blank_issues_enabled": False}
            continue
        assert data["name"] and data["description"]
        ids = [item["id"] for item in data["body"] if item["type"] != "markdown"]
        assert len(ids) == len(set(ids))
        for item in data["body"]:
            assert item["type"] in {"markdown", "input", "textarea", "dropdown", "checkboxes"}
            assert item["attributes"]

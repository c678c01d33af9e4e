"""``regup new``, ``regup tools`` and ``regup fmt``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click

from regup.authoring.github import DEFAULT_API_URL, RepoFacts, fetch_repo_facts
from regup.authoring.mcpclient import DEFAULT_TIMEOUT
from regup.authoring.new import (
    CONTAINER_TRANSPORTS,
    REMOTE_TRANSPORTS,
    TIERS,
    NewRequest,
    VarSpec,
    check_description,
    check_image,
    check_tags,
    check_tools,
    check_url,
    check_var_description,
    check_var_name,
    check_version,
    create_entry,
    github_tags,
    needs_version,
)
from regup.authoring.newskill import GitSpec, NewSkillRequest, create_skill
from regup.cli import AppState, pass_state
from regup.config import missing_namespace
from regup.errors import CheckFailedError, ConfigError

T = TypeVar("T")


def _checked(check: Callable[[str], T]) -> Callable[[str], T]:
    """A click ``value_proc``: the prompt asks again, with the reason, until ``check`` passes."""

    def proc(value: str) -> T:
        try:
            return check(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return proc


def _optional(check: Callable[[str], T]) -> Callable[[str], T | None]:
    def proc(value: str) -> T | None:
        return _checked(check)(value) if value.strip() else None

    return proc


def _flag(check: Callable[[str], T]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback running ``check`` on a flag's value (each value when repeatable)."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        try:
            if isinstance(value, tuple):
                return tuple(check(v) for v in value)
            return None if value is None else check(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return callback


def _prompt_vars(header: bool) -> list[VarSpec]:
    what = "Header" if header else "Environment variable"
    found: list[VarSpec] = []
    while True:
        name = click.prompt(
            f"{what} the server reads (empty when done)",
            default="",
            show_default=False,
            value_proc=_optional(lambda v: check_var_name(v, header=header)),
        )
        if not name:
            return found
        description = click.prompt(
            f"  What is {name} for?", value_proc=_checked(check_var_description)
        )
        required = click.confirm("  Required?", default=False)
        secret = click.confirm("  Secret (a key, token or password)?", default=False)
        found.append(VarSpec(name, description, required, secret))


def _github(repo: str | None, api_url: str, interactive: bool) -> RepoFacts | None:
    if repo is None and interactive:
        repo = (
            click.prompt(
                "GitHub repository to fill in facts from (OWNER/REPO, empty to skip)",
                default="",
                show_default=False,
            ).strip()
            or None
        )
    if repo is None:
        return None
    facts = fetch_repo_facts(repo, api_url=api_url, token=os.environ.get("GITHUB_TOKEN") or None)
    click.echo(
        f"GitHub: {facts.full_name}, {facts.stars} stars, license {facts.license or '-'}", err=True
    )
    return facts


def _interactive(request: NewRequest, facts: RepoFacts | None) -> NewRequest:
    """Ask for every value the flags did not give; each answer is checked as it is typed."""
    changes: dict[str, Any] = {}
    image, url = request.image, request.url
    if not image and not url:
        kind = click.prompt(
            "Kind of server", type=click.Choice(["container", "remote"]), default="container"
        )
        if kind == "container":
            image = click.prompt(
                "Container image (e.g. ghcr.io/org/server:1.0.0)", value_proc=_checked(check_image)
            )
        else:
            url = click.prompt("Endpoint URL", value_proc=_checked(check_url))
        changes.update(image=image, url=url)
    remote = bool(url)
    if request.version is None and needs_version(image):
        what = "the server behind the URL" if remote else "the image's tag is not a version"
        changes["version"] = click.prompt(
            f"Version of the server ({what}; e.g. 1.4.0)", value_proc=_checked(check_version)
        )
    transport = request.transport
    if transport is None:
        choices = REMOTE_TRANSPORTS if remote else CONTAINER_TRANSPORTS
        transport = click.prompt("Transport", type=click.Choice(choices), default=choices[0])
        changes["transport"] = transport
    if not remote and transport != "stdio" and request.target_port is None:
        changes["target_port"] = click.prompt(
            "Port the container listens on", type=click.IntRange(1, 65535), default=8080
        )
    if request.description is None:
        default = facts.description if facts and facts.description else None
        changes["description"] = click.prompt(
            "Description (one sentence)", default=default, value_proc=_checked(check_description)
        )
    if request.title is None:
        changes["title"] = (
            click.prompt(
                "Title for people (empty for none)", default="", show_default=False
            ).strip()
            or None
        )
    if request.tier is None:
        changes["tier"] = click.prompt("Tier", type=click.Choice(TIERS), default="Community")
    if request.repository_url is None and facts is None:
        changes["repository_url"] = click.prompt(
            "Source repository URL (empty for none)",
            default="",
            show_default=False,
            value_proc=_optional(check_url),
        )
    if not request.tags:
        default_tags = ", ".join(github_tags(facts)) if facts else ""
        changes["tags"] = click.prompt(
            "Tags, comma-separated (empty for none)",
            default=default_tags,
            show_default=bool(default_tags),
            value_proc=check_tags_or_empty,
        )
    if not request.tools:
        changes["tools"] = click.prompt(
            "Tool names, comma-separated", value_proc=_checked(check_tools)
        )
    if remote and not request.headers:
        changes["headers"] = _prompt_vars(header=True)
    if not request.env_vars:
        changes["env_vars"] = _prompt_vars(header=False)
    return replace(request, **changes)


def check_tags_or_empty(value: str) -> list[str]:
    return _checked(check_tags)(value) if value.strip() else []


@click.command("new")
@click.argument("name")
@click.option("--image", callback=_flag(check_image), help="Container image (a container server).")
@click.option("--url", callback=_flag(check_url), help="Endpoint URL (a remote server).")
@click.option(
    "--transport", type=click.Choice(CONTAINER_TRANSPORTS), help="How clients talk to the server."
)
@click.option(
    "--target-port",
    type=click.IntRange(1, 65535),
    help="Port of an sse / streamable-http container.",
)
@click.option(
    "--version",
    callback=_flag(check_version),
    help="The server's version; needed for a remote server or an image whose tag is not one "
    "(with --skill: the skill's version, always needed).",
)
@click.option(
    "--description", callback=_flag(check_description), help="One sentence, 10-100 characters."
)
@click.option("--title", help="Display name for people.")
@click.option("--tier", type=click.Choice(TIERS), help="Official (the vendor's) or Community.")
@click.option(
    "--repository", "repository_url", callback=_flag(check_url), help="Source repository URL."
)
@click.option("--website", "website_url", callback=_flag(check_url), help="Home page or docs URL.")
@click.option("--license", "license_", metavar="SPDX", help="SPDX license expression, e.g. MIT.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--tool", "tools", multiple=True, help="A tool name (repeatable).")
@click.option(
    "--env",
    "env_vars",
    multiple=True,
    metavar="NAME[:secret][:required][=DESCRIPTION]",
    callback=_flag(VarSpec.parse),
    help="An environment variable the server reads (repeatable).",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="NAME[:secret][:required][=DESCRIPTION]",
    callback=_flag(lambda v: VarSpec.parse(v, header=True)),
    help="An HTTP header a remote server needs (repeatable).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="A host the container may reach (repeatable).",
)
@click.option(
    "--allow-port",
    "allow_ports",
    multiple=True,
    type=click.IntRange(1, 65535),
    metavar="PORT",
    help="A port it may reach (repeatable; default 443 with --allow-host).",
)
@click.option(
    "--from-github",
    "from_github",
    metavar="OWNER/REPO",
    help="Fill description, repository, stars, license and tags from GitHub.",
)
@click.option(
    "--github-api",
    default=DEFAULT_API_URL,
    show_default=True,
    metavar="URL",
    help="GitHub API base URL (GitHub Enterprise: https://HOST/api/v3).",
)
@click.option(
    "--no-input", is_flag=True, help="Never prompt: fail when a required value is missing."
)
@click.option(
    "--skill",
    "skill",
    is_flag=True,
    help="Create registry/skills/NAME/skill.yaml, a skill, instead of a server.",
)
@click.option(
    "--oci",
    metavar="REF",
    help="OCI reference of the skill artifact, e.g. ghcr.io/o/s:1.0 (--skill).",
)
@click.option(
    "--git",
    metavar="URL[@REF][#SUBFOLDER]",
    callback=_flag(GitSpec.parse),
    help="Git repository, ref and folder of the skill (--skill).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing entry's spec.yaml.")
@click.option("--dry-run", is_flag=True, help="Print the file instead of writing it.")
@pass_state
def new_command(
    state: AppState,
    /,
    name: str,
    from_github: str | None,
    github_api: str,
    no_input: bool,
    dry_run: bool,
    license_: str | None,
    skill: bool,
    oci: str | None,
    git: GitSpec | None,
    **values: Any,
) -> None:
    """Create registry/NAME/spec.yaml, from flags or by asking (with --skill,
    registry/skills/NAME/skill.yaml).

    Missing required values (image or URL, description, tools) are prompted for, each
    checked as it is typed; with --no-input they are an error instead. The file is
    validated before it is written and lists the optional fields it leaves out. A skill
    needs --description, --version and --oci and/or --git.
    """
    if skill:
        version = values.pop("version")
        _new_skill(state, name, license_, version, oci, git, no_input, dry_run, values)
        return
    if oci or git:
        raise click.UsageError("--oci and --git describe a skill; add --skill")
    if values["url"] and values["transport"] == "stdio":
        raise click.BadParameter(
            "a remote server uses sse or streamable-http", param_hint="--transport"
        )
    request = NewRequest(
        state.registry_dir,
        name,
        license=license_,
        tags=tuple(values.pop("tags")),
        tools=tuple(values.pop("tools")),
        **values,
    )
    missing = [
        flag
        for flag, absent in (
            ("--image or --url", not (request.image or request.url)),
            (
                "--version",
                bool(request.image or request.url)
                and request.version is None
                and needs_version(request.image),
            ),
            ("--description", request.description is None and from_github is None),
            ("--tool", not request.tools),
        )
        if absent
    ]
    interactive = bool(missing) and not no_input
    if missing and no_input:
        raise click.UsageError(f"missing {', '.join(missing)} (and --no-input forbids asking)")
    facts = _github(from_github, github_api, interactive)
    request = replace(request, github=facts)
    if interactive:
        request = _interactive(request, facts)
    result = create_entry(request, dry_run=dry_run)
    if dry_run:
        click.echo(result.text, nl=False)
    elif not state.quiet:
        click.echo(f"Wrote {result.path}.")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not dry_run and not state.quiet:
        click.echo(
            f"Next: check the tool list against the server with `regup tools {request.name} "
            "--command ...` (or --url), then `regup validate`."
        )
    if not dry_run and not state.config.namespace:
        # The entry is fine; what would stop the next build is a registry without a namespace.
        click.echo(f"warning: {missing_namespace(state.config)}", err=True)


_SERVER_ONLY = ("image", "url", "transport", "target_port", "tier", "website_url", "from_github")


def _new_skill(
    state: AppState,
    name: str,
    license_: str | None,
    version: str | None,
    oci: str | None,
    git: GitSpec | None,
    no_input: bool,
    dry_run: bool,
    values: dict[str, Any],
) -> None:
    used = [k for k in _SERVER_ONLY if values.get(k)]
    used += [
        k
        for k in ("tags", "tools", "env_vars", "headers", "allow_hosts", "allow_ports")
        if values.get(k)
    ]
    if used:
        flags = ", ".join("--" + k.replace("_", "-") for k in used)
        raise click.UsageError(f"{flags} describe a server, not a skill; leave out --skill or them")
    description = values.get("description")
    interactive = not no_input
    if description is None and interactive:
        description = click.prompt("Description (what the skill teaches an agent)")
    if version is None and interactive:
        version = click.prompt("Version", default="1.0.0")
    if oci is None and git is None and interactive:
        oci = (
            click.prompt("OCI reference of the skill artifact", default="", show_default=False)
            or None
        )
    missing = [
        flag
        for flag, absent in (
            ("--description", description is None),
            ("--version", version is None),
            ("--oci or --git", oci is None and git is None),
        )
        if absent
    ]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (and --no-input forbids asking)")
    assert description is not None and version is not None
    request = NewSkillRequest(
        state.registry_dir,
        name,
        description=description,
        version=version,
        title=values.get("title"),
        license=license_,
        repository_url=values.get("repository_url"),
        oci=oci,
        git=git,
        overwrite=bool(values.get("overwrite")),
    )
    result = create_skill(request, dry_run=dry_run)
    if dry_run:
        click.echo(result.text, nl=False)
    elif not state.quiet:
        click.echo(f"Wrote {result.path}.")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _pairs(flag: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def parse(value: str) -> tuple[str, str]:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{value!r}: write {flag} NAME=VALUE")
        return name.strip(), setting

    return _flag(parse)


@click.command("tools")
@click.argument("name")
@click.option(
    "--command", metavar="COMMAND", help="Start the server over stdio, e.g. 'uvx mcp-server-fetch'."
)
@click.option(
    "--url",
    callback=_flag(check_url),
    help="URL of a running server (default: a remote entry's own).",
)
@click.option(
    "--transport",
    type=click.Choice(REMOTE_TRANSPORTS),
    help="Transport of --url (default: the entry's, else streamable-http).",
)
@click.option(
    "--env",
    "env",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_pairs("--env"),
    help="Environment variable for the --command server (repeatable).",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_pairs("--header"),
    help="HTTP header for the --url server (repeatable).",
)
@click.option(
    "--definitions",
    is_flag=True,
    help="Also write the full tool definitions to registry/NAME/tools.json.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files are out of date.")
@click.option("--dry-run", is_flag=True, help="Show the diff; write nothing.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Give up on a server that has not answered by then.",
)
@pass_state
def tools_command(
    state: AppState,
    name: str,
    command: str | None,
    url: str | None,
    transport: str | None,
    env: tuple[tuple[str, str], ...],
    headers: tuple[tuple[str, str], ...],
    definitions: bool,
    check: bool,
    dry_run: bool,
    timeout: float,
) -> None:
    """Ask the server for its tools over MCP and update the entry's tools list.

    Shows the diff, then writes it (not with --check or --dry-run). Entries that have a
    tools.json get it refreshed too. Declared env vars that are set in your environment
    are passed to a --command server.
    """
    from regup.authoring.tools import ToolsRequest, apply_tools_update, plan_tools_update

    request = ToolsRequest(
        state.registry_dir,
        name,
        command=command,
        url=url,
        transport=transport,
        env=dict(env),
        headers=dict(headers),
        definitions=definitions,
        timeout=timeout,
    )
    plan = plan_tools_update(request)
    count = len(plan.listing.names)
    if plan.up_to_date:
        if not state.quiet:
            click.echo(f"{name}: up to date ({count} tools from {plan.listing.server}).")
        return
    click.echo(plan.diff(), nl=False)
    change = (
        ", ".join(
            part
            for part in (
                f"added {', '.join(plan.added)}" if plan.added else "",
                f"removed {', '.join(plan.removed)}" if plan.removed else "",
            )
            if part
        )
        or "definitions changed"
    )
    if check:
        raise CheckFailedError(
            f"{name}: the tools are out of date ({change}); run `regup tools {name}` to update"
        )
    if dry_run:
        click.echo(f"{name}: would write {count} tools ({change}).")
        return
    written = apply_tools_update(plan)
    if not state.quiet:
        files = ", ".join(str(p) for p in written)
        click.echo(f"{name}: {count} tools ({change}); wrote {files}.")


@click.command("fmt")
@click.argument("names", nargs=-1, metavar="[NAMES|PATHS]...")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is not formatted.")
@pass_state
def fmt_command(state: AppState, names: tuple[str, ...], check: bool) -> None:
    """Put entries and skill.yaml files in canonical key order and style, keeping every
    value and comment.

    Without arguments, formats the whole registry. A file that cannot be formatted
    without losing something is reported and left as it was (exit 1).
    """
    from regup.authoring.fmt import format_files

    result = format_files(state.registry_dir, names, check=check)
    verb = "would reformat" if check else "formatted"
    for path in result.changed:
        click.echo(f"{verb} {path}")
    for path, why in result.failed:
        click.echo(f"{path}: cannot be formatted losslessly: {why}; left as it was", err=True)
    if not state.quiet:
        click.echo(
            f"{len(result.changed)} file(s) {verb}, {len(result.unchanged)} already formatted"
            + (f", {len(result.failed)} left as they were" if result.failed else "")
            + "."
        )
    if result.failed:
        raise ConfigError(f"{len(result.failed)} file(s) could not be formatted; see above")
    if check and result.changed:
        raise CheckFailedError(f"{len(result.changed)} file(s) need `regup fmt`")


COMMANDS = [new_command, tools_command, fmt_command]

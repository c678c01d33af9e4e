"""``regup serve``: preview the built registry, its JSON files and its MCP Registry API locally."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regup.build import BuildRequest, render
from regup.cli import AppState, pass_state
from regup.diagnostics import Severity
from regup.errors import InvalidRegistryError, LoadError
from regup.load import load_registry
from regup.report.diagnostics import REPORTERS, Summary
from regup.serve import (
    DirectoryFiles,
    MemoryFiles,
    PreviewApp,
    Server,
    SiteFiles,
    is_loopback,
    make_server,
)
from regup.validate import validate_documents
from regup.watch import LivePreview, LiveState


def _built_in_memory(state: AppState) -> SiteFiles:
    """Load, validate and render the registry without writing anything."""
    v = validate_documents(load_registry(state.registry_dir), tags=state.config.tags)
    if v.diagnostics:
        REPORTERS["text"](
            v.diagnostics,
            Summary(v.files, v.errors, v.warnings),
            sys.stderr,
            color=state.color,
            quiet=True,
        )
    if not v.ok:
        raise InvalidRegistryError(v.errors)
    request = BuildRequest(state.registry_dir, Path("dist"), state.config)
    return MemoryFiles(render(v, request))


@click.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on; 0 picks a free one (the address is printed).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Keep the loopback default unless you mean to share the preview.",
)
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Built folder to serve.",
)
@click.option(
    "--build",
    "in_memory",
    is_flag=True,
    help="Build the registry in memory and serve that instead of --dir (writes nothing).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Build in memory like --build, then rebuild after every edit of the registry folder "
    "or regup.toml and reload the open catalog pages; a broken edit shows its errors in the "
    "page while the last good build stays served.",
)
@pass_state
def serve_command(
    state: AppState, port: int, host: str, out_dir: Path, in_memory: bool, watch: bool
) -> None:
    """Serve the catalog, the JSON files and the MCP Registry API v0.1 on a local port.

    The API answers like a registry does: JSON content type, CORS, encoded names (%2F),
    the cursor, limit, search, version and updated_since parameters, 404s as JSON (the
    catalog's 404 page for browsers), /v0/ as well as /v0.1/, ETags and gzip; skills
    under /v0.1/x/dev.toolhive/skills with search, status, limit and cursor. Each request
    is logged to stderr (-q silences it). Point a client at it, e.g. `thv config
    set-registry http://127.0.0.1:8080 --allow-private-ip`. Stop with Ctrl+C.
    """
    if watch:
        source = click.get_current_context().get_parameter_source("out_dir")
        if source is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError(
                "--watch builds in memory and serves that; leave out --dir (or serve a built "
                "folder without --watch)"
            )
        _serve_watching(state, host, port)
        return
    if in_memory:
        files: SiteFiles = _built_in_memory(state)
        label = f"{state.registry_dir} (built in memory)"
    else:
        if not out_dir.is_dir():
            raise LoadError(
                f"{out_dir} does not exist; run `regup build` first, or use `regup serve --build`"
            )
        files = DirectoryFiles(out_dir)
        label = str(out_dir)
    _run(make_server(PreviewApp(files), host, port, quiet=state.quiet), host, label)


def _run(server: Server, host: str, label: str, live: LivePreview | None = None) -> None:
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_port}"
    if not is_loopback(host):
        click.echo(f"Warning: listening on {host}, reachable from other machines.", err=True)
    click.echo(f"Serving {label} at {url}/ (API: {url}/v0.1/servers). Press Ctrl+C to stop.")
    sys.stdout.flush()
    if live is not None:
        live.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        if live is not None:
            live.close()  # ends the event streams, so no worker thread holds up the exit
        server.server_close()


def _serve_watching(state: AppState, host: str, port: int) -> None:
    config_file = state.config_path or Path.cwd() / "regup.toml"

    def report(live: LiveState) -> None:
        if live.diagnostics:
            errors = sum(1 for d in live.diagnostics if d.severity is Severity.ERROR)
            REPORTERS["text"](
                live.diagnostics,
                Summary(0, errors, len(live.diagnostics) - errors),
                sys.stderr,
                color=state.color,
                quiet=True,
            )
        if live.broken:
            kept = "the last good build stays served" if live.app else "nothing to serve yet"
            click.echo(f"Build failed ({kept}); waiting for the next edit.", err=True)
        elif not state.quiet:
            what = "the edited entries (the rest follows)" if live.quick else "everything"
            click.echo(f"Rebuilt {what} in {live.seconds:.2f} s.", err=True)

    live = LivePreview(
        state.registry_dir, lambda: state.config, (state.registry_dir, config_file), report
    )
    if live.app.state.diagnostics:
        report(live.app.state)
    server = make_server(live.app, host, port, quiet=state.quiet)
    _run(server, host, f"{state.registry_dir} (built in memory, watching for edits)", live)


COMMANDS = [serve_command]

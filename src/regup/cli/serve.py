"""``regup serve``: preview the built registry, its JSON files and its MCP Registry API locally."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regup.build import BuildRequest, render
from regup.cli import AppState, pass_state
from regup.errors import InvalidRegistryError, LoadError
from regup.load import load_registry
from regup.report.diagnostics import REPORTERS, Summary
from regup.serve import DirectoryFiles, MemoryFiles, PreviewApp, SiteFiles, is_loopback, make_server
from regup.validate import validate_documents


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
@pass_state
def serve_command(state: AppState, port: int, host: str, out_dir: Path, in_memory: bool) -> None:
    """Serve the catalog, the JSON files and the MCP Registry API v0.1 on a local port.

    The API answers like a registry does: JSON content type, CORS, encoded names (%2F),
    the cursor, limit, search, version and updated_since parameters, 404s as JSON (the
    catalog's 404 page for browsers), /v0/ as well as /v0.1/, ETags and gzip; skills
    under /v0.1/x/dev.toolhive/skills with search, status, limit and cursor. Each request
    is logged to stderr (-q silences it). Point a client at it, e.g. `thv config
    set-registry http://127.0.0.1:8080 --allow-private-ip`. Stop with Ctrl+C.
    """
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
    server = make_server(PreviewApp(files), host, port, quiet=state.quiet)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_port}"
    if not is_loopback(host):
        click.echo(f"Warning: listening on {host}, reachable from other machines.", err=True)
    click.echo(f"Serving {label} at {url}/ (API: {url}/v0.1/servers). Press Ctrl+C to stop.")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


COMMANDS = [serve_command]

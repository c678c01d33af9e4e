"""``regup docs``: build the MkDocs documentation into the catalog."""

from __future__ import annotations

from pathlib import Path

import click

from regup.cli import AppState, pass_state
from regup.site.docs import DEFAULT_CONFIG, DEFAULT_OUT, build_docs


@click.command("docs")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="The MkDocs project file.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output folder (inside the catalog, so both publish together).",
)
@pass_state
def docs_command(state: AppState, config_file: Path, out_dir: Path) -> None:
    """Build the documentation (MkDocs, strict) into dist/site/docs/.

    Run it after `regup build`: the build keeps this folder. Needs MkDocs
    (pip install 'regup[docs]').
    """
    result = build_docs(config_file, out_dir)
    if not state.quiet:
        click.echo(f"Built the documentation ({result.pages} pages) into {result.out_dir}.")


COMMANDS = [docs_command]

"""The command line: a thin click layer in front of one library call per command.

This is the only error boundary: a :class:`~regup.errors.RegupError` becomes
``Error: <message>`` on stderr and exit 1, a usage problem exit 2; tracebacks only with
``-v``.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from regup import __version__
from regup.config import Config
from regup.errors import RegupError


@dataclass
class AppState:
    registry_dir: Path
    config_path: Path | None
    verbose: int
    quiet: bool
    color: bool

    @property
    def config(self) -> Config:
        return Config.discover(self.config_path, Path.cwd())


pass_state = click.make_pass_decorator(AppState)

FC = TypeVar("FC", bound=Callable[..., Any])


def format_option(choices: Iterable[str], default: str, help: str) -> Callable[[FC], FC]:
    """The ``--format`` option every command shares (stored as ``fmt``)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help,
    )


#: Command name → the module of regup.cli that defines it. Modules are imported only when
#: their command runs, so `regup validate` does not pay for sigstore, the MCP SDK or Jinja2.
LAZY_COMMANDS: dict[str, str] = {
    "validate": "validate",
    "build": "build",
    "list": "browse",
    "info": "browse",
    "search": "browse",
    "import": "imports",
    "serve": "serve",
    "diff": "diff",
    "refresh": "refresh",
    "verify": "verify",
    "check": "check",
    "new": "authoring",
    "tools": "authoring",
    "fmt": "authoring",
    "docs": "docs",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module = importlib.import_module(f"regup.cli.{LAZY_COMMANDS[cmd_name]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return self.commands.get(cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="regup")
@click.option(
    "--registry",
    "registry_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("registry"),
    show_default=True,
    help="Folder that holds <name>/spec.yaml entries.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Registry settings (default: regup.toml in the current folder, if present).",
)
@click.option("-v", "--verbose", count=True, help="More output; -v also shows tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and requested output.")
@click.pass_context
def cli(
    ctx: click.Context, registry_dir: Path, config_path: Path | None, verbose: int, quiet: bool
) -> None:
    """regup: validate, build, browse and refresh a registry of MCP servers.

    Colours follow the terminal and are off when NO_COLOR is set.
    """
    color = "NO_COLOR" not in os.environ and sys.stdout.isatty()
    ctx.obj = AppState(registry_dir, config_path, verbose, quiet, color)


#: Thresholds of Python's cyclic garbage collector for a regup process. A build holds
#: hundreds of thousands of objects (the model, every output file in memory), and with the
#: defaults (700, 10, 10) the collector walks all of them again and again: at 2,000 entries
#: that was a third of an in-memory build (7.5 s with these, 11–12 s without) and a tenth
#: of ``regup build``. regup's data makes few reference cycles; collecting less often keeps
#: the same peak memory.
GC_THRESHOLDS = (50_000, 20, 100)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: runs the CLI and maps errors to exit codes."""
    gc.set_threshold(*GC_THRESHOLDS)
    verbose = any(
        a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"})
        for a in (argv or sys.argv[1:])
    )
    try:
        cli.main(args=argv, prog_name="regup", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except RegupError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: no traceback unless asked
        if verbose:
            traceback.print_exc()
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc}. This is a bug in regup; "
            "rerun with -v for the traceback and report it.",
            err=True,
        )
        sys.exit(1)

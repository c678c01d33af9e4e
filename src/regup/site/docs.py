"""The human documentation: an MkDocs project built into the catalog (``dist/site/docs/``).

``regup docs`` calls :func:`build_docs`. MkDocs is an optional dependency
(``pip install 'regup[docs]'``): the catalog itself never needs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from regup.errors import ConfigError, OutputError

DEFAULT_CONFIG = Path("site/mkdocs.yml")
DEFAULT_OUT = Path("dist/site/docs")


@dataclass(frozen=True)
class DocsResult:
    out_dir: Path
    pages: int


def build_docs(config_file: Path, out_dir: Path, *, strict: bool = True) -> DocsResult:
    """Build the MkDocs project of ``config_file`` into ``out_dir``.

    Raises :class:`~regup.errors.ConfigError` when MkDocs is missing or the project is
    broken (with ``strict``, a warning such as a dead link counts), and
    :class:`~regup.errors.OutputError` when the folder cannot be written.
    """
    try:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.exceptions import MkDocsException
    except ImportError:
        raise ConfigError(
            "building the documentation needs MkDocs; install it with pip install 'regup[docs]'"
        ) from None
    if not config_file.is_file():
        raise ConfigError(f"{config_file} does not exist; pass the MkDocs file with --config")
    # MkDocs reports through logging; without a handler its warnings would vanish.
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
    logger.setLevel(logging.WARNING)
    try:
        config = load_config(
            config_file=str(config_file), site_dir=str(out_dir.resolve()), strict=strict
        )
        build(config)
    except MkDocsException as exc:
        raise ConfigError(f"{config_file}: the documentation does not build ({exc})") from None
    except OSError as exc:
        raise OutputError.from_os_error(out_dir, exc) from None
    pages = sum(1 for _ in out_dir.rglob("*.html"))
    return DocsResult(out_dir, pages)

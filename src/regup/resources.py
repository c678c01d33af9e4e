"""The one place that finds regup's shipped data: JSON Schemas and site templates.

Installed wheels carry them under ``regup/_data/``; a source checkout (and an editable
install, where hatchling's ``force-include`` does not apply) finds them at the top of the
repository.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def _data_dir(name: str) -> Path:
    packaged = resources.files("regup") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    source = _SOURCE_ROOT / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"regup's {name}/ folder is missing; reinstall regup")


def schemas_dir() -> Path:
    return _data_dir("schemas")


def templates_dir() -> Path:
    return _data_dir("templates")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with regup, e.g. ``spec.schema.json``."""
    with (schemas_dir() / name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema

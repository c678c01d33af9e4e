"""Registry-wide settings, read from ``regup.toml``.

Every key is documented in :data:`CONFIG_KEYS`; an unknown key is an error, so a typo
never silently falls back to a default.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from regup.errors import ConfigError
from regup.policyconfig import Policy

CONFIG_KEYS: dict[str, str] = {
    "name": "The registry's name, shown on the catalog and in outputs.",
    "namespace": (
        "Required. Reverse-DNS namespace of upstream server names (`<namespace>/<entry>`), "
        "one you control, such as `io.github.<your-org>`; there is no default."
    ),
    "publisher_key": (
        "Key under `_meta[...publisher-provided]` for regup's own fields "
        "(default `io.github.regup`)."
    ),
    "base_url": "Absolute URL where the catalog and JSON files are published.",
    "repository_url": "The registry's source repository, for 'edit this entry' links.",
    "registry_version": "The `version` field of registry.json (default `1.0.0`).",
    "tags": (
        'The tag vocabulary, a list such as `["database", "git"]`: other tags are a '
        "warning (`tag-unknown`) and the catalog's tag lists show these only. Default: none, "
        "any tag."
    ),
}


#: Keys whose value is a web address the catalog links to: only absolute http(s) URLs.
URL_KEYS = ("base_url", "repository_url")


def web_url(value: str) -> str:
    """``value`` without trailing slashes if it is an absolute ``http(s)://host/…`` URL.

    Raises ``ValueError`` saying what is wrong otherwise (``javascript:``, a relative path,
    spaces or control characters), so a setting can never put a script into the catalog's
    links. Used for ``base_url`` and ``repository_url`` in regup.toml and for ``--base-url``.
    """
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http:// or https:// URL")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError(f"{value!r} has spaces or control characters")
    return value.rstrip("/")


def missing_namespace(config: Config) -> str:
    """What to do when the configuration names no namespace (there is no default)."""
    where = (
        f"{config.path}: no namespace is set"
        if config.path
        else "no regup.toml found (regup reads ./regup.toml, or the file given with --config)"
    )
    return (
        f"{where}: upstream server names are <namespace>/<entry>, and regup has no default "
        "namespace. Set one you control (io.github.<your GitHub user or org>, or a reversed "
        "domain of yours) in regup.toml:\n\n"
        '    [registry]\n    namespace = "io.github.your-org"\n\n'
        "Do not reuse io.github.stacklok: it is ToolHive's own catalog, and a registry "
        "server that merges sources keeps only the first server of each name."
    )


#: A tag as the entry schema allows it.
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]*[a-z0-9]$")


def _tag_list(path: Path, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ConfigError.bad_file(
            path, 'registry.tags must be a list of strings: ["database", "git"]'
        )
    bad = [t for t in value if not TAG.match(t)]
    if bad:
        raise ConfigError.bad_file(
            path, f"registry.tags: {bad[0]!r} is not a tag (lowercase letters, digits, - and _)"
        )
    return tuple(sorted(set(value)))


@dataclass(frozen=True)
class Config:
    name: str = "MCP registry"
    #: Empty until set: :func:`regup.emit.upstream.check_config` refuses to name servers
    #: without one, because a default would publish under someone else's namespace.
    namespace: str = ""
    publisher_key: str = "io.github.regup"
    base_url: str = ""
    repository_url: str = ""
    registry_version: str = "1.0.0"
    #: The tag vocabulary: when given, other tags are a validation warning (``tag-unknown``)
    #: and the catalog's tag lists show these only.
    tags: tuple[str, ...] = ()
    #: The ``[policy]`` table (:mod:`regup.policyconfig`), None when there is none.
    policy: Policy | None = None
    path: Path | None = None

    @classmethod
    def from_toml(cls, path: Path) -> Config:
        """Read ``path``; raises :class:`ConfigError` on unreadable or unknown settings."""
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except OSError as exc:
            raise ConfigError.bad_file(path, f"cannot read it ({exc.strerror})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError.bad_file(path, f"not valid TOML ({exc})") from None
        table: Any = data.get("registry", {})
        extra = sorted(set(data) - {"registry", "policy"})
        if extra:
            raise ConfigError.bad_file(
                path, f"unknown table(s) {', '.join(extra)}; use [registry] and [policy]"
            )
        if not isinstance(table, dict):
            raise ConfigError.bad_file(path, "[registry] must be a table")
        policy = Policy.from_table(data["policy"], path, text) if "policy" in data else None
        known = {f.name for f in fields(cls)} - {"path", "policy"}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError.bad_file(
                path, f"unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}"
            )
        if "tags" in table:
            table["tags"] = _tag_list(path, table["tags"])
        for key, value in table.items():
            if key != "tags" and not isinstance(value, str):
                raise ConfigError.bad_file(path, f"registry.{key} must be a string")
        version = table.get("registry_version")
        if version is not None and not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise ConfigError.bad_file(
                path, f"registry.registry_version {version!r} must look like 1.0.0"
            )
        for key in URL_KEYS:
            if table.get(key):
                try:
                    table[key] = web_url(table[key])
                except ValueError as exc:
                    raise ConfigError.bad_file(path, f"registry.{key}: {exc}") from None
        return cls(path=path, policy=policy, **table)

    @classmethod
    def discover(cls, explicit: Path | None, cwd: Path) -> Config:
        """The config given with ``--config``, else ``regup.toml`` in ``cwd``, else defaults."""
        if explicit is not None:
            if not explicit.is_file():
                raise ConfigError(f"config file {explicit} does not exist")
            return cls.from_toml(explicit)
        default = cwd / "regup.toml"
        return cls.from_toml(default) if default.is_file() else cls()

"""What a repository URL names: one parser of GitHub repository references.

``regup refresh`` reads ``repository_url`` with it (stars come from that repository) and
``regup new --from-github`` reads ``OWNER/REPO`` or a URL with it. GitHub's own rules: an
owner is 1 to 39 letters, digits and single hyphens, not starting or ending with one; a
repository name is letters, digits, ``.``, ``_`` and ``-``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_HOSTS = {"github.com", "www.github.com"}
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
#: First path segments of github.com that are not users or organisations.
_RESERVED = frozenset(
    {"orgs", "settings", "marketplace", "topics", "collections", "sponsors", "features", "apps"}
)


@dataclass(frozen=True, order=True)
class RepoRef:
    """A repository as an entry names it (``owner/name``)."""

    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def key(self) -> str:
        """GitHub names are case-insensitive: the cache and the lookups use this."""
        return self.full_name.lower()


class NotARepositoryError(ValueError):
    """A github.com URL (or ``OWNER/REPO`` text) that names no repository; says why."""


def _checked(owner: str, name: str, shown: str) -> RepoRef:
    if owner.lower() in _RESERVED or not _OWNER.match(owner):
        raise NotARepositoryError(f"{shown}: {owner!r} is not a GitHub user or organisation")
    if not _REPO.match(name) or name in (".", ".."):
        raise NotARepositoryError(f"{shown}: {name!r} is not a repository name")
    return RepoRef(owner, name)


@functools.lru_cache(maxsize=4096)
def parse_repository_url(url: str) -> RepoRef | None:
    """The repository of a github.com URL (``https``, ``git@github.com:``, ``git+``, with
    ``.git``, trailing slashes or ``/tree/<ref>/<path>``); None for URLs on other hosts.

    Raises :class:`NotARepositoryError` for a github.com URL without ``owner/name``.
    Cached: a catalog page asks it several times per entry.
    """
    text = url.strip()
    if text.startswith("git@github.com:"):
        text = "https://github.com/" + text.removeprefix("git@github.com:")
    text = text.removeprefix("git+")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https", "ssh", "git") or parts.hostname not in _HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        raise NotARepositoryError(f"{url} names no repository (expected github.com/OWNER/NAME)")
    return _checked(segments[0], segments[1].removesuffix(".git"), url)


def parse_repository(text: str) -> RepoRef:
    """``OWNER/REPO`` or a github.com URL; raises :class:`NotARepositoryError`."""
    stripped = text.strip()
    if "://" not in stripped and not stripped.startswith(
        ("git@", "github.com/", "www.github.com/")
    ):
        owner, slash, name = stripped.strip("/").removesuffix(".git").partition("/")
        if slash and "/" not in name:
            return _checked(owner, name, text)
        raise NotARepositoryError(f"{text!r} is not OWNER/REPO")
    if stripped.startswith(("github.com/", "www.github.com/")):
        stripped = "https://" + stripped
    found = parse_repository_url(stripped)
    if found is None:
        raise NotARepositoryError(f"{text!r} is not a github.com repository")
    return found

"""Container image references, parsed the way the OCI distribution reference grammar does.

``ghcr.io/org/img:1.2``, ``localhost:5000/img@sha256:…``, ``nginx`` (which means
``docker.io/library/nginx:latest``). Used by validation, the outputs, refresh and provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_HOST = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$"
)
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$")
_VERSION_TAG = re.compile(r"^v?\d+(?:\.\d+){0,2}(?:[-+][0-9A-Za-z.-]+)?$")


_RELEASE_TAG = re.compile(r"^v?(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?$")
#: Tags that name a moving target by convention: what they point to changes.
FLOATING_TAGS = frozenset(
    {"latest", "main", "master", "edge", "nightly", "dev", "develop", "stable", "head", "next"}
)


def release_key(tag: str) -> tuple[int, int, int] | None:
    """The semver order of a release tag (``1.2``, ``v1.2.3``), or None for any other tag
    (pre-releases such as ``1.2.3-rc1``, ``latest``, ``sha-abc``): the newest release of a
    repository is the tag with the highest key."""
    match = _RELEASE_TAG.match(tag)
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


class ImageRefError(ValueError):
    """The text is not a valid image reference; the message says which part is wrong."""


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        """Parse ``text``; raises :class:`ImageRefError` with the reason."""
        if not text or text != text.strip():
            raise ImageRefError("the image reference is empty or has surrounding spaces")
        rest, digest = text, None
        if "@" in rest:
            rest, digest = rest.split("@", 1)
            if not _DIGEST.match(digest):
                raise ImageRefError(f"digest {digest!r} is not of the form sha256:<hex>")
        tag = None
        last = rest.rsplit("/", 1)[-1]
        if ":" in last:
            rest, tag = rest.rsplit(":", 1)
            if not _TAG.match(tag):
                raise ImageRefError(f"tag {tag!r} is not a valid tag")
        parts = rest.split("/")
        first = parts[0]
        if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
            registry, path = first, "/".join(parts[1:])
            if not _HOST.match(registry):
                raise ImageRefError(f"registry host {registry!r} is not a valid host[:port]")
            port = registry.rsplit("]", 1)[-1].rpartition(":")[2] if ":" in registry else ""
            # The length first: int() of 5,000 digits raises a ValueError of its own.
            if port and (len(port) > 5 or not 0 < int(port) <= 65535):
                shown = port if len(port) <= 12 else f"{port[:12]}… ({len(port)} digits)"
                raise ImageRefError(f"registry port {shown} is not between 1 and 65535")
        else:
            registry, path = DOCKER_HUB, rest
        if registry in {"index.docker.io", "registry-1.docker.io"}:
            registry = DOCKER_HUB
        if registry == DOCKER_HUB and "/" not in path:
            path = f"library/{path}"
        if not _PATH.match(path):
            raise ImageRefError(
                f"repository {path!r} must be lowercase letters, digits and separators (. _ - /)"
            )
        return cls(registry=registry, repository=path, tag=tag, digest=digest)

    @property
    def is_docker_hub(self) -> bool:
        return self.registry == DOCKER_HUB

    @property
    def is_latest_or_untagged(self) -> bool:
        return self.digest is None and self.tag in (None, "latest")

    @property
    def floating(self) -> bool:
        """No digest, and no tag or one that moves by convention (``latest``, ``main``…)."""
        return self.digest is None and (self.tag is None or self.tag.lower() in FLOATING_TAGS)

    @property
    def version(self) -> str | None:
        """The tag without a leading ``v`` when it looks like a version (``1.2.3``)."""
        if self.tag and _VERSION_TAG.match(self.tag):
            return self.tag.removeprefix("v")
        return None

    @property
    def reference(self) -> str:
        """What to ask the registry for: the digest if pinned, else the tag (``latest``)."""
        return self.digest or self.tag or "latest"

    @property
    def name(self) -> str:
        """``registry/repository`` without tag or digest (cosign's docker-reference)."""
        return f"{self.registry}/{self.repository}"

    def __str__(self) -> str:
        out = f"{self.registry}/{self.repository}"
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out

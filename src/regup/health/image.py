"""The image signal: pinned or floating, the tag still there, the newest release tag.

Registry requests are :class:`regup.provenance.oci.OciClient`'s (anonymous bearer tokens,
bounded answers, redirects checked): the digest of the reference (a ``HEAD`` of its
manifest, which Docker Hub does not count against its pull limit) and the repository's tag
list, each asked once per run however many entries share it (:class:`ImageLookups` may be
shared by threads: a key being asked makes the others wait for its answer). A registry that does not
answer three times in a row is not asked again in the run
(:class:`regup.enrich.transport.Breaker`). The provenance outcome is read from
``registry/provenance.json``, as ``regup verify`` left it.

With a :class:`regup.enrich.cache.Cache` (the one of ``--cache-dir``, ``--cache-ttl`` and
``--no-cache``, as GitHub's answers use), digests and tag lists are remembered per registry
(one service file ``oci-…`` per registry base URL; keys ``digest:REF`` and ``tags:NAME``):
an answer younger than the TTL costs no request. Only answers are remembered: a missing
tag or a fault is asked again in the next run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from regup.enrich.cache import Cache, ServiceCache
from regup.enrich.transport import Breaker
from regup.healthstate import Finding
from regup.imageref import ImageRef, ImageRefError, release_key
from regup.provenance.oci import (
    OciClient,
    OciError,
    OciNotFound,
    OciUnavailable,
    registry_base_url,
)
from regup.provenance.state import Result

T = TypeVar("T")


@dataclass
class ImageLookups:
    """Digests by reference and tags by repository, each asked once; faults by key.

    ``cache`` (None: nothing remembered between runs) is read before a registry is asked
    and given every answer; the caller saves it (``cache.save()``) after the run.
    """

    client: OciClient
    breaker: Breaker = field(default_factory=Breaker)
    digests: dict[str, str | OciError] = field(default_factory=dict)
    tags: dict[str, list[str] | OciError] = field(default_factory=dict)
    cache: Cache | None = None
    answered: int = 0
    #: Answers taken from the cache, without a request.
    cached: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _asking: dict[tuple[str, str], threading.Lock] = field(default_factory=dict, repr=False)

    def digest(self, ref: ImageRef) -> str | OciError:
        return self._once(
            self.digests,
            ("digest", str(ref)),
            ref,
            lambda: self.client.resolve(ref),
            (lambda d: {"digest": d}, _cached_digest),
        )

    def tag_list(self, ref: ImageRef) -> list[str] | OciError:
        return self._once(
            self.tags,
            ("tags", ref.name),
            ref,
            lambda: self.client.tags(ref),
            (lambda t: {"tags": t}, _cached_tags),
        )

    def _once(
        self,
        answers: dict[str, T | OciError],
        kind_key: tuple[str, str],
        ref: ImageRef,
        call: Callable[[], T],
        codec: tuple[Callable[[T], dict[str, Any]], Callable[[dict[str, Any]], T | None]],
    ) -> T | OciError:
        with self._lock:
            asking = self._asking.setdefault(kind_key, threading.Lock())
        key = kind_key[1]
        cache_key = f"{kind_key[0]}:{key}"
        with asking:
            if key not in answers:
                remembered = self._remembered(ref, cache_key, codec[1])
                if remembered is not None:
                    answers[key] = remembered
                else:
                    answers[key] = value = self._ask(ref, call)
                    if not isinstance(value, OciError) and self.cache is not None:
                        with self._lock:
                            self._service(ref).put(cache_key, codec[0](value))
            return answers[key]

    def _service(self, ref: ImageRef) -> ServiceCache:
        assert self.cache is not None
        return self.cache.service("oci", registry_base_url(ref.registry))

    def _remembered(
        self, ref: ImageRef, cache_key: str, decode: Callable[[dict[str, Any]], T | None]
    ) -> T | None:
        """The cached answer of ``cache_key`` when it is younger than the TTL."""
        if self.cache is None:
            return None
        with self._lock:
            record = self._service(ref).fresh(cache_key)
            value = decode(record.data) if record is not None else None
            if value is not None:
                self.cached += 1
                self.answered += 1  # an answer, as a cached GitHub answer is
        return value

    def _ask(self, ref: ImageRef, call: Callable[[], T]) -> T | OciError:
        with self._lock:
            if self.breaker.is_open(ref.registry):
                return OciUnavailable(self.breaker.reason(ref.registry))
        try:
            value = call()
        except OciNotFound as exc:
            self._count(ref, answered=True, counts=True)
            return exc
        except OciUnavailable as exc:
            self._count(ref, answered=False, counts=False)
            return exc
        except OciError as exc:
            self._count(ref, answered=True, counts=False)
            return exc
        self._count(ref, answered=True, counts=True)
        return value

    def _count(self, ref: ImageRef, *, answered: bool, counts: bool) -> None:
        with self._lock:
            if answered:
                self.breaker.answered(ref.registry)
            else:
                self.breaker.no_answer(ref.registry)
            self.answered += counts


def _cached_digest(data: dict[str, Any]) -> str | None:
    digest = data.get("digest")
    return digest if isinstance(digest, str) and digest.startswith("sha256:") else None


def _cached_tags(data: dict[str, Any]) -> list[str] | None:
    tags = data.get("tags")
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        return list(tags)
    return None


def newest_release(tags: list[str]) -> str | None:
    """The tag with the highest release version (``v1.10.0`` beats ``v1.9.3``)."""
    releases = [(key, t) for t in tags if (key := release_key(t)) is not None]
    return max(releases)[1] if releases else None


@dataclass(frozen=True)
class ImageCheck:
    finding: Finding | None
    fault: str | None = None


def check_image(image: str, lookups: ImageLookups, provenance: Result | None) -> ImageCheck:
    """The image finding of one entry (``fault`` instead when a registry gave no answer)."""
    try:
        ref = ImageRef.parse(image)
    except ImageRefError as exc:
        return ImageCheck(None, f"image: {exc}")
    facts: dict[str, Any] = {"image": image, "pinned": not ref.floating}
    if provenance is not None:
        facts["provenance"] = provenance.outcome.value + (" (stale)" if provenance.stale else "")
    digest = lookups.digest(ref)
    if isinstance(digest, OciNotFound):
        what = f"digest {ref.digest}" if ref.digest else f"tag {ref.reference}"
        return ImageCheck(
            Finding("missing", f"{ref.registry} no longer has {what} of {ref.repository}", facts)
        )
    if isinstance(digest, OciError):
        return ImageCheck(None, f"{ref.registry}: {digest}")
    facts["digest"] = digest
    tags = lookups.tag_list(ref)
    if isinstance(tags, OciError):
        return ImageCheck(None, f"the tags of {ref.name}: {tags}")
    newest = newest_release(tags)
    if newest is not None:
        facts["newest_tag"] = newest
    return ImageCheck(_finding(ref, newest, facts))


def _finding(ref: ImageRef, newest: str | None, facts: Mapping[str, Any]) -> Finding:
    current = release_key(ref.tag) if ref.tag else None
    if ref.floating:
        moving = ref.tag or "no tag (latest)"
        hint = f"; pin a release such as {newest}" if newest else ""
        return Finding("floating", f"tag {moving} moves with every push{hint}", facts)
    newer = release_key(newest) if newest else None
    if current is not None and newer is not None and newer > current:
        return Finding(
            "behind", f"tag {ref.tag}; {newest} is the newest release of {ref.name}", facts
        )
    pinned = f"digest {ref.digest[:19]}…" if ref.digest and not ref.tag else f"tag {ref.tag}"
    return Finding("current", f"{pinned}, present in {ref.registry}", facts)

"""A small OCI distribution client on httpx: what provenance checks need, nothing more.

It lists a repository's tags (paged by the ``Link`` header), resolves tags to digests,
fetches manifests and blobs (checking every digest it was
given and capping every size), lists referrers (the ``/referrers/`` API, or the
``sha256-<hex>`` tag schema where a registry answers 404, as ghcr.io and Docker Hub do),
and answers the bearer-token challenge of ghcr.io and Docker Hub anonymously. No docker
daemon, no credentials.

Every answer is bounded: in size (:data:`MAX_MANIFEST_BYTES`, :data:`MAX_BLOB_BYTES`), in
JSON nesting (:data:`MAX_JSON_DEPTH`), in redirects (:data:`MAX_REDIRECTS`, each target's
port checked) and in time (:data:`MAX_RESPONSE_SECONDS` per answer, besides the client's
timeouts): see :func:`exchange`.

Errors: :class:`OciNotFound` (the registry said 404), :class:`OciUnavailable` (transient:
connection refused, timeouts, 5xx, 429), :class:`OciInvalid` (the registry answered with
something that breaks the rules: a wrong digest, an oversized or too deeply nested
document, bad JSON, a redirect loop, a URL that cannot be requested).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from regup.imageref import DOCKER_HUB, ImageRef
from regup.jsonio import JsonInputError, load_json
from regup.net import AnswerTooLarge, AnswerTooSlow, read_answer
from regup.net import deadline as all_by

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)

#: Manifests are small; 4 MiB is the limit registries themselves enforce.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
#: Signature payloads and bundles are a few KiB; nothing we read should be near this.
MAX_BLOB_BYTES = 8 * 1024 * 1024
#: Manifests, indexes, bundles and statements are a handful of levels deep.
MAX_JSON_DEPTH = 32
#: No single answer may take longer than this, however slowly it trickles in.
MAX_RESPONSE_SECONDS = 120.0
#: Token service answers are a few hundred bytes.
MAX_TOKEN_BYTES = 64 * 1024
#: Registries redirect blobs to a storage host once or twice.
MAX_REDIRECTS = 5
#: Tags asked for per page of ``tags/list``, and pages read at most (a registry that pages
#: forever cannot hang a check).
TAGS_PER_PAGE = 1000
MAX_TAG_PAGES = 20

_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class OciError(Exception):
    """Base of the client's errors; ``str()`` says what happened, for people."""


class OciNotFound(OciError):
    """The registry answered 404 (no such repository, tag, manifest or blob)."""


class OciUnavailable(OciError):
    """Transient: the registry could not be reached, timed out, or answered 5xx / 429."""


class OciInvalid(OciError):
    """The registry's answer breaks the rules (wrong digest, too large, not JSON)."""


def parse_json(raw: bytes, what: str) -> Any:
    """The JSON of an answer, at most :data:`MAX_JSON_DEPTH` levels deep.
    Raises :class:`OciInvalid` naming ``what``."""
    try:
        return load_json(raw, max_depth=MAX_JSON_DEPTH)
    except JsonInputError as exc:
        raise OciInvalid(f"{what}: {exc.message}") from None


def exchange(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    limit: int,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    seconds: float = MAX_RESPONSE_SECONDS,
) -> tuple[httpx.Response, bytes]:
    """One request to ``what`` and its answer: the final response and its body.

    Every hop is bounded: at most :data:`MAX_REDIRECTS` redirects (followed here, so that
    each target's port is checked: a socket takes port 99999 as 34463), a body of at most
    ``limit`` bytes (none is read for ``HEAD``), all of it within ``seconds``. Raises
    :class:`OciInvalid` (too large, a redirect loop, a URL that cannot be requested) and
    :class:`OciUnavailable` (cannot connect, timeouts, too slow).
    """
    deadline = time.monotonic() + seconds
    try:
        request = http.build_request(
            method, _checked(httpx.URL(url), what), headers=headers, params=params
        )
        for _ in range(MAX_REDIRECTS + 1):
            with all_by(deadline):  # the headers too, not just the body
                response = http.send(request, stream=True, follow_redirects=False)
            try:
                if response.next_request is None:
                    body = b"" if method == "HEAD" else _read(response, limit, what, deadline)
                    return response, body
                request = response.next_request
                _checked(request.url, what)
            finally:
                response.close()
            if time.monotonic() > deadline:
                break
    except httpx.TimeoutException as exc:
        raise OciUnavailable(f"{what} timed out ({type(exc).__name__})") from exc
    except httpx.InvalidURL as exc:
        raise OciInvalid(f"cannot request {what}: {exc}") from exc
    except httpx.TransportError as exc:
        raise OciUnavailable(f"cannot reach {what}: {exc}") from exc
    except (httpx.HTTPError, httpx.StreamError) as exc:  # decoding, a bad redirect
        raise OciInvalid(f"{what} sent an answer that cannot be read: {exc}") from exc
    raise OciInvalid(f"{what} redirects more than {MAX_REDIRECTS} times (a loop?)")


def _checked(url: httpx.URL, what: str) -> httpx.URL:
    """``url`` if its port can be connected to. Raises :class:`OciInvalid`."""
    if url.port is not None and not 0 < url.port <= 65535:
        raise OciInvalid(f"cannot request {what}: port {url.port} is not between 1 and 65535")
    return url


def _read(response: httpx.Response, limit: int, what: str, deadline: float) -> bytes:
    try:
        return read_answer(response, limit=limit, deadline=deadline)
    except AnswerTooLarge as exc:
        if exc.declared is not None:
            raise OciInvalid(
                f"{what} sends {exc.declared} bytes, more than the {limit}-byte limit"
            ) from None
        raise OciInvalid(f"{what} sends more than the {limit}-byte limit") from None
    except AnswerTooSlow:
        raise OciUnavailable(f"{what} is too slow: its answer took too long to arrive") from None


@dataclass(frozen=True)
class Descriptor:
    """An OCI content descriptor: what a manifest, index or referrers list points at."""

    media_type: str
    digest: str
    size: int
    artifact_type: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, doc: Any) -> Descriptor:
        """Raises :class:`OciInvalid` when ``doc`` is not a descriptor."""
        if not isinstance(doc, Mapping):
            raise OciInvalid("a descriptor is not a JSON object")
        digest, size = doc.get("digest"), doc.get("size")
        if not isinstance(digest, str) or not isinstance(size, int) or size < 0:
            raise OciInvalid("a descriptor has no valid digest and size")
        annotations = doc.get("annotations") or {}
        if not isinstance(annotations, Mapping) or not all(
            isinstance(v, str) for v in annotations.values()
        ):
            raise OciInvalid(f"descriptor {digest} has annotations that are not strings")
        artifact_type = doc.get("artifactType")
        return cls(
            media_type=str(doc.get("mediaType") or ""),
            digest=digest,
            size=size,
            artifact_type=artifact_type if isinstance(artifact_type, str) else None,
            annotations=dict(annotations),
        )


@dataclass(frozen=True)
class Manifest:
    """A fetched manifest or index: its verified digest, media type and parsed JSON."""

    digest: str
    media_type: str
    raw: bytes
    doc: Mapping[str, Any]

    @property
    def layers(self) -> list[Descriptor]:
        """Raises :class:`OciInvalid` when they are not a list of descriptors."""
        return descriptors(self.doc.get("layers"), f"the layers of {self.digest}")

    @property
    def manifests(self) -> list[Descriptor]:
        """Raises :class:`OciInvalid` when they are not a list of descriptors."""
        return descriptors(self.doc.get("manifests"), f"the manifests of {self.digest}")

    @property
    def artifact_type(self) -> str | None:
        value = self.doc.get("artifactType")
        if isinstance(value, str):
            return value
        config = self.doc.get("config")
        if isinstance(config, Mapping) and isinstance(config.get("mediaType"), str):
            return str(config["mediaType"])
        return None


def descriptors(value: Any, what: str) -> list[Descriptor]:
    """A JSON list of descriptors (``null`` or missing is none).
    Raises :class:`OciInvalid` naming ``what``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise OciInvalid(f"{what} are not a JSON array")
    return [Descriptor.from_json(d) for d in value]


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def registry_base_url(registry: str) -> str:
    """The HTTP base of a registry host: Docker Hub's API host, plain HTTP on loopback only."""
    if registry == DOCKER_HUB:
        return "https://registry-1.docker.io"
    host = registry.rsplit(":", 1)[0] if not registry.endswith("]") else registry
    host = host.strip("[]")
    if host == "localhost":
        return f"http://{registry}"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return f"http://{registry}" if loopback else f"https://{registry}"


def fallback_tag(digest: str) -> str:
    """``sha256:<hex>`` → ``sha256-<hex>``: the tag schema of referrers and cosign."""
    return digest.replace(":", "-", 1)


class OciClient:
    """Reads images from OCI registries with an :class:`httpx.Client` given by the caller.

    Bearer tokens are fetched on a ``WWW-Authenticate: Bearer`` challenge (anonymous pull
    scope) and reused per registry and repository. Safe to share between threads.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        max_manifest_bytes: int = MAX_MANIFEST_BYTES,
        max_blob_bytes: int = MAX_BLOB_BYTES,
        max_response_seconds: float = MAX_RESPONSE_SECONDS,
    ) -> None:
        self._http = http
        self._max_manifest = max_manifest_bytes
        self._max_blob = max_blob_bytes
        self._max_seconds = max_response_seconds
        self._tokens: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    # --- requests -------------------------------------------------------------------------

    def _url(self, ref: ImageRef, kind: str, reference: str) -> str:
        return f"{registry_base_url(ref.registry)}/v2/{ref.repository}/{kind}/{reference}"

    def _send(
        self, method: str, url: str, ref: ImageRef, accept: str | None, limit: int
    ) -> tuple[httpx.Response, bytes]:
        """One request, answering an auth challenge once; returns the response and body."""
        key = (ref.registry, ref.repository)
        for attempt in range(2):
            headers = {"Accept": accept} if accept else {}
            with self._lock:
                token = self._tokens.get(key)
            if token:
                headers["Authorization"] = f"Bearer {token}"
            response, body = exchange(
                self._http,
                method,
                url,
                what=ref.registry,
                limit=limit,
                headers=headers,
                seconds=self._max_seconds,
            )
            if response.status_code == 401 and attempt == 0:
                self._authenticate(ref, response.headers.get("WWW-Authenticate", ""))
                continue
            return response, body
        raise OciUnavailable(f"{ref.registry} refused the anonymous token for {ref.repository}")

    def _authenticate(self, ref: ImageRef, challenge: str) -> None:
        """Get an anonymous pull token for the challenge's realm (the token flow of Docker
        Hub and ghcr.io). Raises :class:`OciUnavailable` when it cannot."""
        scheme, _, params_text = challenge.partition(" ")
        if scheme.lower() != "bearer":
            raise OciUnavailable(
                f"{ref.registry} asks for {scheme or 'unknown'} credentials; "
                "only anonymous pulls are supported"
            )
        params = dict(_CHALLENGE_PARAM.findall(params_text))
        realm = params.get("realm")
        if not realm or not realm.startswith(("https://", "http://")):
            raise OciInvalid(f"{ref.registry} sent a bearer challenge without a usable realm")
        query = {"scope": params.get("scope") or f"repository:{ref.repository}:pull"}
        if params.get("service"):
            query["service"] = params["service"]
        service = f"the token service of {ref.registry}"
        response, body = exchange(
            self._http,
            "GET",
            realm,
            what=service,
            limit=MAX_TOKEN_BYTES,
            params=query,
            seconds=self._max_seconds,
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise OciUnavailable(
                f"the token service of {ref.registry} answered {response.status_code}"
            )
        if response.status_code != 200:
            raise OciUnavailable(
                f"{ref.registry} gives no anonymous access to {ref.repository} "
                f"(token service answered {response.status_code})"
            )
        doc = parse_json(body, f"the answer of {service}")
        token = doc.get("token") or doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(token, str) or not token:
            raise OciInvalid(f"the token service of {ref.registry} sent no token")
        with self._lock:
            self._tokens[(ref.registry, ref.repository)] = token

    @staticmethod
    def _check_status(response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status == 404:
            raise OciNotFound(f"{what} not found")
        if status == 429 or status >= 500:
            raise OciUnavailable(f"{what}: the registry answered {status}")
        if status != 200:
            raise OciUnavailable(f"{what}: the registry answered {status}")

    # --- the API --------------------------------------------------------------------------

    def resolve(self, ref: ImageRef) -> str:
        """The digest of ``ref``: its pinned digest (checked against the registry's), or
        the registry's digest of its tag. Raises :class:`OciError` subclasses."""
        if ref.digest:
            self.manifest(ref, ref.digest)
            return ref.digest
        url = self._url(ref, "manifests", ref.reference)
        response, _ = self._send("HEAD", url, ref, ", ".join(MANIFEST_TYPES), 0)
        self._check_status(response, f"{ref}")
        digest = str(response.headers.get("Docker-Content-Digest", ""))
        if _DIGEST.match(digest):
            return digest
        # Some registries send no digest on HEAD: fetch the manifest and hash it.
        return self.manifest(ref, ref.reference).digest

    def manifest(self, ref: ImageRef, reference: str) -> Manifest:
        """The manifest or index at a tag or digest. When ``reference`` is a digest, the
        bytes must hash to it. Raises :class:`OciError` subclasses."""
        url = self._url(ref, "manifests", reference)
        response, raw = self._send("GET", url, ref, ", ".join(MANIFEST_TYPES), self._max_manifest)
        self._check_status(response, f"manifest {ref.name}:{reference}")
        digest = sha256_digest(raw)
        if reference.startswith("sha256:") and digest != reference:
            raise OciInvalid(f"manifest {reference} of {ref.name} hashes to {digest}")
        doc = parse_json(raw, f"manifest {ref.name}:{reference}")
        if not isinstance(doc, dict):
            raise OciInvalid(f"manifest {ref.name}:{reference} is not a JSON object")
        media_type = doc.get("mediaType") or response.headers.get("Content-Type", "")
        return Manifest(digest, str(media_type).split(";")[0].strip(), raw, doc)

    def blob(self, ref: ImageRef, descriptor: Descriptor) -> bytes:
        """The blob of ``descriptor``, checked against its digest and size.
        Raises :class:`OciError` subclasses."""
        if not _DIGEST.match(descriptor.digest):
            raise OciInvalid(f"unsupported blob digest {descriptor.digest!r}")
        if descriptor.size > self._max_blob:
            raise OciInvalid(
                f"blob {descriptor.digest} is {descriptor.size} bytes, "
                f"more than the {self._max_blob}-byte limit"
            )
        url = self._url(ref, "blobs", descriptor.digest)
        response, data = self._send("GET", url, ref, None, self._max_blob)
        self._check_status(response, f"blob {descriptor.digest} of {ref.name}")
        if len(data) != descriptor.size or sha256_digest(data) != descriptor.digest:
            raise OciInvalid(f"blob {descriptor.digest} of {ref.name} does not match its digest")
        return data

    def tags(self, ref: ImageRef) -> list[str]:
        """Every tag of ``ref``'s repository, in the registry's order (the distribution
        spec's ``tags/list``, following ``Link: <…>; rel="next"`` for at most
        :data:`MAX_TAG_PAGES` pages). Raises :class:`OciError` subclasses."""
        base = registry_base_url(ref.registry)
        url = f"{base}/v2/{ref.repository}/tags/list?n={TAGS_PER_PAGE}"
        found: list[str] = []
        for _ in range(MAX_TAG_PAGES):
            response, raw = self._send("GET", url, ref, "application/json", self._max_manifest)
            self._check_status(response, f"the tags of {ref.name}")
            doc = parse_json(raw, f"the tags of {ref.name}")
            tags = doc.get("tags") if isinstance(doc, dict) else None
            if tags is None and isinstance(doc, dict):
                tags = []  # distribution answers null for a repository without tags
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                raise OciInvalid(f"the tags of {ref.name} are not a list of strings")
            found += tags
            link = _NEXT_LINK.search(response.headers.get("Link", ""))
            if link is None:
                return found
            url = str(httpx.URL(url).join(link.group(1)))
        return found

    def referrers(self, ref: ImageRef, digest: str) -> tuple[list[Descriptor], bool]:
        """Everything that names ``digest`` as its subject, and whether the registry has a
        referrers API (else the ``sha256-<hex>`` tag schema was read).
        Raises :class:`OciError` subclasses (but not for "no referrers")."""
        url = self._url(ref, "referrers", digest)
        response, raw = self._send("GET", url, ref, OCI_INDEX, self._max_manifest)
        if response.status_code == 200:
            doc = parse_json(raw, f"the referrers of {digest}")
            manifests = doc.get("manifests") if isinstance(doc, dict) else None
            return descriptors(manifests, f"the referrers of {digest}"), True
        if response.status_code not in (400, 404, 405, 501):
            self._check_status(response, f"referrers of {ref.name}@{digest}")
        try:
            index = self.manifest(ref, fallback_tag(digest))
        except OciNotFound:
            return [], False
        return index.manifests, False

"""A real OCI registry for tests, served on 127.0.0.1 by :func:`tests.httpfake.serve_http`.

It implements what regup's client reads: ``GET``/``HEAD`` manifests by tag or digest (with
``Docker-Content-Digest``), blobs, the referrers API (or 404 there, like ghcr.io and Docker
Hub, with referrers kept under the ``sha256-<hex>`` tag instead), and the bearer-token
challenge of ghcr.io / Docker Hub (``/token`` hands out anonymous pull tokens per
repository). Content is stored as bytes and addressed by its real sha256.

Hostile modes, for the client's bounds: :meth:`FakeRegistry.push_raw_manifest` stores any
bytes as a manifest (nested 100,000 deep, larger than any limit, not JSON), ``redirect_loop``
answers every registry request with a redirect to itself, ``trickle_seconds`` sends every
manifest one byte at a time with that pause between bytes, and ``token_realm`` puts another
realm (say, with port 99999) into the bearer challenge.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.httpfake import FakeServer, Reply, Request, serve_http

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
_PATH = re.compile(r"^/v2/(.+)/(manifests|blobs|referrers)/([^/]+)$")
_TAGS = re.compile(r"^/v2/(.+)/tags/list$")


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class FakeRegistry:
    referrers_api: bool = True
    require_token: bool = True
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[tuple[str, str], bytes] = field(default_factory=dict)
    tags: dict[tuple[str, str], str] = field(default_factory=dict)
    host: str = ""
    server: FakeServer | None = None
    #: media types of manifests pushed as raw bytes (never parsed by the fake)
    raw_types: dict[tuple[str, str], str] = field(default_factory=dict)
    redirect_loop: bool = False
    #: Answer 503 to every request (a registry that is down for maintenance).
    unavailable: bool = False
    trickle_seconds: float = 0.0
    token_realm: str | None = None
    #: Seconds of delay before every answer (a registry far away, for benchmarks).
    latency: float = 0.0

    @classmethod
    def from_recording(cls, recording: dict[str, Any]) -> FakeRegistry:
        """Serve what ``scripts/record_provenance_fixture.py`` recorded, byte for byte."""
        import base64

        registry = cls(referrers_api=bool(recording["referrers_api"]))
        repo = recording["repository"]
        for digest, data in recording["blobs"].items():
            registry.blobs[digest] = base64.b64decode(data)
        for digest, data in recording["manifests"].items():
            registry.manifests[(repo, digest)] = base64.b64decode(data)
        for tag, digest in recording["tags"].items():
            registry.tags[(repo, tag)] = digest
        return registry

    # --- content --------------------------------------------------------------------------

    def push_blob(self, data: bytes, media_type: str) -> dict[str, Any]:
        digest = digest_of(data)
        self.blobs[digest] = data
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def push_manifest(self, repo: str, doc: dict[str, Any], tag: str | None = None) -> str:
        raw = canonical(doc)
        digest = digest_of(raw)
        self.manifests[(repo, digest)] = raw
        if tag:
            self.tags[(repo, tag)] = digest
        subject = doc.get("subject")
        if subject and not self.referrers_api:
            self._add_to_referrers_tag(repo, subject["digest"], doc, digest, len(raw))
        return digest

    def push_raw_manifest(
        self, repo: str, raw: bytes, tag: str | None = None, media_type: str = OCI_MANIFEST
    ) -> str:
        """Store ``raw`` as a manifest as it is (hostile content); returns its digest."""
        digest = digest_of(raw)
        self.manifests[(repo, digest)] = raw
        self.raw_types[(repo, digest)] = media_type
        if tag:
            self.tags[(repo, tag)] = digest
        return digest

    def _add_to_referrers_tag(
        self, repo: str, subject: str, doc: dict[str, Any], digest: str, size: int
    ) -> None:
        tag = subject.replace(":", "-", 1)
        existing = self.tags.get((repo, tag))
        index: dict[str, Any] = (
            json.loads(self.manifests[(repo, existing)])
            if existing
            else {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
        )
        index["manifests"].append(self._descriptor(doc, digest, size))
        self.push_manifest(repo, index, tag)

    @staticmethod
    def _descriptor(doc: dict[str, Any], digest: str, size: int) -> dict[str, Any]:
        out = {"mediaType": doc.get("mediaType", OCI_MANIFEST), "digest": digest, "size": size}
        if doc.get("artifactType"):
            out["artifactType"] = doc["artifactType"]
        if doc.get("annotations"):
            out["annotations"] = doc["annotations"]
        return out

    def push_image(self, repo: str, tag: str, content: bytes = b"layer") -> str:
        """A one-layer image; returns its manifest digest."""
        config = self.push_blob(
            b'{"architecture":"amd64","os":"linux"}', "application/vnd.oci.image.config.v1+json"
        )
        layer = self.push_blob(content, "application/vnd.oci.image.layer.v1.tar+gzip")
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [layer]}
        return self.push_manifest(repo, doc, tag)

    def push_cosign_signature(
        self, repo: str, digest: str, payload: bytes, annotations: dict[str, str]
    ) -> str:
        """cosign's ``sha256-<hex>.sig`` manifest with one simple-signing layer."""
        layer = self.push_blob(payload, "application/vnd.dev.cosign.simplesigning.v1+json")
        layer["annotations"] = annotations
        config = self.push_blob(b"{}", "application/vnd.oci.image.config.v1+json")
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [layer]}
        return self.push_manifest(repo, doc, digest.replace(":", "-", 1) + ".sig")

    def push_bundle_referrer(self, repo: str, subject_digest: str, bundle: dict[str, Any]) -> str:
        """A sigstore bundle attached as a referrer, the way GitHub's attest action does."""
        media = "application/vnd.dev.sigstore.bundle.v0.3+json"
        layer = self.push_blob(json.dumps(bundle).encode(), media)
        config = self.push_blob(b"{}", EMPTY_CONFIG)
        subject_raw = self.manifests[(repo, subject_digest)]
        doc = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": media,
            "config": config,
            "layers": [layer],
            "subject": {
                "mediaType": OCI_MANIFEST,
                "digest": subject_digest,
                "size": len(subject_raw),
            },
            "annotations": {"dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"},
        }
        return self.push_manifest(repo, doc)

    # --- HTTP -----------------------------------------------------------------------------

    def _token_for(self, repo: str) -> str:
        return "anon-" + hashlib.sha256(repo.encode()).hexdigest()[:16]

    def token_route(self, request: Request) -> Reply:
        time.sleep(self.latency)
        scope = request.query.get("scope", "")
        match = re.fullmatch(r"repository:(.+):pull", scope)
        if not match or request.query.get("service") != "fake-registry":
            return Reply.json({"errors": [{"code": "DENIED"}]}, status=401)
        return Reply.json({"token": self._token_for(match.group(1))})

    def handle(self, request: Request) -> Reply | None:
        time.sleep(self.latency)
        tags = _TAGS.match(request.path)
        match = _PATH.match(request.path)
        if tags:
            repo, kind, reference = tags.group(1), "tags", ""
        elif match:
            repo, kind, reference = match.groups()
        else:
            return Reply(404, b"not found")
        if self.unavailable:
            return Reply(503, b"service unavailable")
        if self.redirect_loop:
            return Reply(307, b"", {"Location": request.path})
        if self.require_token and request.headers.get("Authorization") != (
            f"Bearer {self._token_for(repo)}"
        ):
            assert self.server is not None
            realm = self.token_realm or f"{self.server.base_url}/token"
            challenge = (
                f'Bearer realm="{realm}",service="fake-registry",scope="repository:{repo}:pull"'
            )
            return Reply.json(
                {"errors": [{"code": "UNAUTHORIZED"}]},
                status=401,
                headers={"WWW-Authenticate": challenge},
            )
        if kind == "tags":
            return self._tag_list(repo, request)
        if kind == "blobs":
            data = self.blobs.get(reference)
            return Reply(200, data) if data is not None else Reply.json({}, status=404)
        if kind == "referrers":
            if not self.referrers_api:
                return Reply(404, b"404 page not found")
            found = []
            for (r, digest), raw in sorted(self.manifests.items()):
                if (r, digest) in self.raw_types:
                    continue
                doc = json.loads(raw)
                if r == repo and (doc.get("subject") or {}).get("digest") == reference:
                    found.append(self._descriptor(doc, digest, len(raw)))
            index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": found}
            return Reply(200, canonical(index), {"Content-Type": OCI_INDEX})
        target = reference if reference.startswith("sha256:") else self.tags.get((repo, reference))
        body = self.manifests.get((repo, target)) if target else None
        if body is None or target is None:
            return Reply.json({"errors": [{"code": "MANIFEST_UNKNOWN"}]}, status=404)
        media = self.raw_types.get((repo, target)) or json.loads(body).get(
            "mediaType", OCI_MANIFEST
        )
        headers = {"Content-Type": media, "Docker-Content-Digest": target}
        if self.trickle_seconds and request.method == "GET":
            self._trickle(request, body, headers)
            return None
        return Reply(200, body, headers)

    def _tag_list(self, repo: str, request: Request) -> Reply:
        """``tags/list`` as distribution answers it: sorted, ``n`` per page, ``last`` to go
        on, and a ``Link: <…>; rel="next"`` header while more are left."""
        names = sorted(t for (r, t) in self.tags if r == repo and not t.startswith("sha256-"))
        if not names and not any(r == repo for (r, _) in self.manifests):
            return Reply.json({"errors": [{"code": "NAME_UNKNOWN"}]}, status=404)
        size = int(request.query.get("n", "100"))
        after = request.query.get("last")
        rest = [t for t in names if after is None or t > after]
        page, more = rest[:size], len(rest) > size
        headers = {"Content-Type": "application/json"}
        if more:
            headers["Link"] = f'</v2/{repo}/tags/list?n={size}&last={page[-1]}>; rel="next"'
        return Reply(200, canonical({"name": repo, "tags": page}), headers)

    def _trickle(self, request: Request, body: bytes, headers: dict[str, str]) -> None:
        """Send ``body`` one byte at a time, ``trickle_seconds`` apart (a slow-loris answer)."""
        handler = request.handler
        handler.send_response(200)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for i in range(len(body)):
                handler.wfile.write(body[i : i + 1])
                handler.wfile.flush()
                time.sleep(self.trickle_seconds)
        except (BrokenPipeError, ConnectionResetError):
            return


@contextmanager
def serve_registry(registry: FakeRegistry) -> Iterator[FakeRegistry]:
    with serve_http({"/token": registry.token_route}, fallback=registry.handle) as server:
        registry.server = server
        registry.host = server.base_url.removeprefix("http://")
        yield registry

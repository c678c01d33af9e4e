"""A whole provenance world for tests: virtual sigstore + its Rekor server + an OCI registry.

``with make_world(tmp_path) as world:`` starts both servers on 127.0.0.1, writes the
``trusted_root.json`` of the virtual sigstore, and offers one-line helpers to push an image,
sign it (cosign ``.sig``) or attest it (sigstore bundle referrer), build an entry declaring
provenance, and verify it through regup's real verifier.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regup.model import Entry
from regup.net import make_client
from regup.provenance.oci import OciClient
from regup.provenance.state import Result
from regup.provenance.verify import EntryVerifier, TrustRoot, TrustRoots
from tests.helpers import container
from tests.httpfake import FakeServer, Reply, Request, serve_http
from tests.ocifake import FakeRegistry, serve_registry
from tests.virtual_sigstore import GitHubIdentity, Signed, VirtualSigstore


@dataclass
class World:
    sigstore: VirtualSigstore
    registry: FakeRegistry
    rekor: FakeServer
    trusted_root: Path
    identity: GitHubIdentity = field(default_factory=GitHubIdentity)
    #: the log the Rekor server answers from (a test may swap in a rogue one)
    served_log: VirtualSigstore | None = None

    def image(self, repo: str = "example/weather", tag: str = "1.2.0") -> tuple[str, str]:
        """Push an image; returns its reference (``127.0.0.1:PORT/repo:tag``) and digest."""
        digest = self.registry.push_image(repo, tag, content=f"{repo}:{tag}".encode())
        return f"{self.registry.host}/{repo}:{tag}", digest

    def sign(
        self, repo: str, digest: str, identity: GitHubIdentity | None = None, **kwargs: Any
    ) -> Signed:
        """cosign-sign ``digest`` and push the ``.sig`` manifest."""
        signed = self.sigstore.sign_simple_signing(
            digest, f"{self.registry.host}/{repo}", identity or self.identity, **kwargs
        )
        self.registry.push_cosign_signature(
            repo, digest, signed.payload, self.sigstore.cosign_layer_annotations(signed)
        )
        return signed

    def attest(
        self, repo: str, digest: str, identity: GitHubIdentity | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Attest ``digest`` (DSSE in-toto, GitHub's shape) and attach it as a referrer."""
        bundle, _ = self.sigstore.attest(
            digest, f"{self.registry.host}/{repo}", identity or self.identity, **kwargs
        )
        self.registry.push_bundle_referrer(repo, digest, bundle)
        return bundle

    def entry(self, image: str, name: str = "weather", **provenance: Any) -> Entry:
        """A container entry for ``image`` declaring the world's identity (``provenance=None``
        in kwargs drops the block; other kwargs override fields, ``None`` removes one)."""
        if provenance.get("provenance", True) is None:
            return Entry.from_document(name, container(image=image))
        block = self.identity.provenance(**provenance)
        return Entry.from_document(name, container(image=image, provenance=block))

    def verifier(self, trust: TrustRoot | None = None) -> EntryVerifier:
        client = make_client()
        root = trust or TrustRoot.from_file(self.trusted_root)
        return EntryVerifier(OciClient(client), client, TrustRoots(root))

    def verify(self, entry: Entry, previous: Result | None = None) -> Result:
        return self.verifier().verify_entry(entry, previous)


@contextmanager
def make_world(tmp_path: Path, *, referrers_api: bool = True) -> Iterator[World]:
    sigstore = VirtualSigstore()
    holder: list[World] = []

    def entries(request: Request) -> Reply | None:
        log = holder[0].served_log or sigstore
        route = log.rekor_routes()["/api/v1/log/entries"]
        return route(request)

    with serve_http({"/api/v1/log/entries": entries}) as rekor:
        sigstore.rekor_url = rekor.base_url
        tmp_path.mkdir(parents=True, exist_ok=True)
        root = tmp_path / "trusted_root.json"
        root.write_text(json.dumps(sigstore.trusted_root_json(), indent=2))
        with serve_registry(FakeRegistry(referrers_api=referrers_api)) as registry:
            world = World(sigstore, registry, rekor, root)
            holder.append(world)
            yield world

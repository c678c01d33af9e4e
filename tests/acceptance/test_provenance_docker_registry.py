"""The same provenance flow against a real registry: Debian's ``docker-registry`` (distribution).

The test starts ``docker-registry serve`` on a free loopback port with storage in
``tmp_path``, pushes the images, cosign signatures and referrer bundles that the virtual
sigstore made (through the registry's own upload API), and verifies them with regup.
Distribution 2.8 has no referrers API, so this also exercises the ``sha256-<hex>`` tag
fallback against a real server. Skipped, with the reason, where the package is missing.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from regup.checks import Outcome
from regup.imageref import ImageRef
from regup.model import Entry
from regup.net import make_client
from regup.provenance.oci import OciClient
from regup.provenance.verify import EntryVerifier, TrustRoot, TrustRoots
from tests.helpers import container
from tests.provenance_world import World, make_world

BINARY = shutil.which("docker-registry")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BINARY is None,
        reason="Debian's docker-registry is not installed (apt-get install docker-registry)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def real_registry(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    config = tmp_path / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: error}\n"
        f"storage: {{filesystem: {{rootdirectory: {tmp_path / 'data'}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: 127.0.0.1:{port}}}\n"
    )
    assert BINARY is not None
    process = subprocess.Popen(
        [BINARY, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    host = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"http://{host}/v2/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"docker-registry did not start: {err[-500:]}")
            time.sleep(0.1)
        yield host
    finally:
        process.terminate()
        process.wait(timeout=10)


def _mirror(world: World, host: str) -> None:
    """Push everything the fake registry holds into the real one, tags last."""
    with httpx.Client(base_url=f"http://{host}", timeout=10) as http:
        repos = {repo for repo, _ in world.registry.manifests}
        for repo in sorted(repos):
            for digest, data in world.registry.blobs.items():
                start = http.post(f"/v2/{repo}/blobs/uploads/")
                assert start.status_code == 202, start.text
                location = start.headers["Location"]
                joiner = "&" if "?" in location else "?"
                done = http.put(f"{location}{joiner}digest={digest}", content=data)
                assert done.status_code == 201, done.text
        pending = dict(world.registry.manifests)
        # subjects and indexes refer to other manifests: push the ones without references first
        for (repo, digest), raw in sorted(pending.items(), key=lambda kv: b'"manifests"' in kv[1]):
            media = json.loads(raw)["mediaType"]
            put = http.put(
                f"/v2/{repo}/manifests/{digest}", content=raw, headers={"Content-Type": media}
            )
            assert put.status_code == 201, put.text
        for (repo, tag), digest in world.registry.tags.items():
            raw = world.registry.manifests[(repo, digest)]
            media = json.loads(raw)["mediaType"]
            put = http.put(
                f"/v2/{repo}/manifests/{tag}", content=raw, headers={"Content-Type": media}
            )
            assert put.status_code == 201, put.text


def test_flow_against_debians_docker_registry(tmp_path: Path, real_registry: str) -> None:
    with make_world(tmp_path / "world", referrers_api=False) as world:
        _, signed_digest = world.image("example/signed", "1.0")
        world.sign("example/signed", signed_digest)
        _, attested_digest = world.image("example/attested", "1.0")
        world.attest("example/attested", attested_digest)
        _, other_digest = world.image("example/copied", "0.9")
        _, copied_digest = world.image("example/copied", "1.0")
        stolen = world.sigstore.sign_simple_signing(other_digest, "example/copied", world.identity)
        world.registry.push_cosign_signature(
            "example/copied",
            copied_digest,
            stolen.payload,
            world.sigstore.cosign_layer_annotations(stolen),
        )
        world.image("example/plain", "1.0")
        _mirror(world, real_registry)

        client = make_client()
        verifier = EntryVerifier(
            OciClient(client), client, TrustRoots(TrustRoot.from_file(world.trusted_root))
        )

        def outcome(repo: str) -> Outcome:
            image = f"{real_registry}/{repo}:1.0"
            assert ImageRef.parse(image).registry == real_registry
            doc = container(image=image, provenance=world.identity.provenance())
            return verifier.verify_entry(Entry.from_document("e", doc)).outcome

        assert outcome("example/signed") is Outcome.VERIFIED
        assert outcome("example/attested") is Outcome.VERIFIED
        assert outcome("example/copied") is Outcome.INVALID
        assert outcome("example/plain") is Outcome.UNSIGNED

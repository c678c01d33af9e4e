#!/usr/bin/env python3
"""Record one real image's signature material for offline replay in tests.

Usage (where a network exists):

    scripts/record_provenance_fixture.py ghcr.io/stacklok/dockyard/npx/agentql-mcp:1.0.0 \
        tests/fixtures/provenance/agentql.json [--rekor-url https://rekor.sigstore.dev]

Everything is read through regup's own OCI client (anonymous, bearer-token challenge,
digest checks, size caps): the tag's digest, the image manifest, the cosign ``.sig``
manifest and its blobs, the referrers (API or ``sha256-<hex>`` tag) with their manifests
and blobs, and, for every cosign signature, the Rekor entry with its inclusion proof.
The output is one JSON file (sorted keys; manifests and blobs base64) that
``tests.ocifake.FakeRegistry.from_recording`` serves again on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from regup.imageref import ImageRef, ImageRefError
from regup.net import make_client
from regup.provenance.discover import BUNDLE_PREFIX, CosignSignature, discover
from regup.provenance.oci import OciClient, OciError, OciNotFound, fallback_tag
from regup.provenance.verify import PUBLIC_GOOD_REKOR


def record(image: str, rekor_url: str, http: httpx.Client) -> dict[str, Any]:
    """Raises ImageRefError, OciError or httpx.HTTPError."""
    ref = ImageRef.parse(image)
    client = OciClient(http)
    digest = client.resolve(ref)
    manifests: dict[str, str] = {}
    blobs: dict[str, str] = {}
    tags: dict[str, str] = {}

    def keep(reference: str, tag: str | None = None) -> None:
        manifest = client.manifest(ref, reference)
        manifests[manifest.digest] = base64.b64encode(manifest.raw).decode()
        if tag:
            tags[tag] = manifest.digest
        for layer in manifest.layers:
            if layer.size <= 8 * 1024 * 1024:
                blobs[layer.digest] = base64.b64encode(client.blob(ref, layer)).decode()

    keep(digest, ref.tag)
    try:
        keep(fallback_tag(digest) + ".sig", fallback_tag(digest) + ".sig")
    except OciNotFound:
        pass
    referrers, has_api = client.referrers(ref, digest)
    if not has_api and referrers:
        keep(fallback_tag(digest), fallback_tag(digest))
    for descriptor in referrers:
        if (descriptor.artifact_type or "").startswith(BUNDLE_PREFIX):
            keep(descriptor.digest)
    rekor: dict[str, Any] = {}
    for item in discover(client, ref, digest).items:
        if isinstance(item, CosignSignature):
            index = item.rekor.log_index
            response = http.get(f"{rekor_url}/api/v1/log/entries", params={"logIndex": index})
            response.raise_for_status()
            rekor[str(index)] = response.json()
    return {
        "image": image,
        "repository": ref.repository,
        "digest": digest,
        "referrers_api": has_api,
        "tags": tags,
        "manifests": manifests,
        "blobs": blobs,
        "rekor": rekor,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image")
    parser.add_argument("out", type=Path)
    parser.add_argument("--rekor-url", default=PUBLIC_GOOD_REKOR)
    args = parser.parse_args(argv)
    try:
        with make_client() as http:
            data = record(args.image, args.rekor_url.rstrip("/"), http)
    except (ImageRefError, OciError, httpx.HTTPError) as exc:
        print(f"Error: cannot record {args.image}: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(
        f"recorded {args.image} ({data['digest']}): {len(data['manifests'])} manifests, "
        f"{len(data['blobs'])} blobs, {len(data['rekor'])} Rekor entries -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

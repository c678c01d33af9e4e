"""scripts/record_provenance_fixture.py: record through regup's client, replay offline."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from regup.checks import Outcome
from regup.model import Entry
from tests.helpers import REPO_ROOT, container
from tests.httpfake import Reply, Request, serve_http
from tests.ocifake import FakeRegistry, serve_registry
from tests.provenance_world import make_world


def _script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "record_provenance_fixture.py"
    spec = importlib.util.spec_from_file_location("record_provenance_fixture", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recorded_image_verifies_again_from_the_replay(tmp_path: Path) -> None:
    script = _script()
    out = tmp_path / "fixture.json"
    with make_world(tmp_path / "world", referrers_api=False) as world:
        ref, digest = world.image("example/weather", "1.2.0")
        world.sign("example/weather", digest)
        world.attest("example/weather", digest)
        code = script.main([ref, str(out), "--rekor-url", world.rekor.base_url])
        assert code == 0
        recording = json.loads(out.read_text())
        assert recording["digest"] == digest
        assert len(recording["rekor"]) == 1

        # replay: a fresh registry from the file, a Rekor that answers from the file
        def entries(request: Request) -> Reply:
            return Reply.json(recording["rekor"][request.query["logIndex"]])

        with (
            serve_registry(FakeRegistry.from_recording(recording)) as replay,
            serve_http({"/api/v1/log/entries": entries}) as rekor,
        ):
            doc = world.sigstore.trusted_root_json()
            doc["tlogs"][0]["baseUrl"] = rekor.base_url
            world.trusted_root.write_text(json.dumps(doc))
            image = f"{replay.host}/example/weather:1.2.0"
            entry = Entry.from_document(
                "weather", container(image=image, provenance=world.identity.provenance())
            )
            result = world.verify(entry)
            assert result.outcome is Outcome.VERIFIED, result.detail
            assert [r.path for r in world.rekor.requests].count("/api/v1/log/entries") == 1


def test_unreachable_image_is_a_clear_error(capsys: object, tmp_path: Path) -> None:
    code = _script().main(["127.0.0.1:9/none/such:1", str(tmp_path / "x.json")])
    assert code == 1
    assert not (tmp_path / "x.json").exists()

"""``provenance.run``: which entries a run verifies, what it stores, and what a fault keeps.

The registry here is a closed port on 127.0.0.1, so every lookup fails fast: the outcomes
are errors, which is what these rules are about (signatures are tested in
test_provenance_verify.py against a local sigstore world).
"""

from __future__ import annotations

import socket
from pathlib import Path

from regup.checks import Outcome
from regup.model import Entry
from regup.provenance.run import Mode, verify_entries
from regup.provenance.state import ProvenanceState, Result, load_state, save_state
from tests.helpers import container, remote


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _entries() -> list[Entry]:
    port = _closed_port()
    provenance = {"repository_uri": "https://github.com/example/fetch"}
    return [
        Entry.from_document(
            "fetch", container(image=f"127.0.0.1:{port}/fetch:1.0.0", provenance=provenance)
        ),
        Entry.from_document("hosted", remote()),
    ]


def test_off_verifies_nothing(tmp_path: Path) -> None:
    run = verify_entries(_entries(), registry_dir=tmp_path, mode=Mode.OFF)
    assert run.results == () and not list(tmp_path.iterdir())


def test_only_containers_are_verified_and_a_fault_is_an_error_result(tmp_path: Path) -> None:
    run = verify_entries(_entries(), registry_dir=tmp_path, mode=Mode.STRICT, write=False)
    assert [r.name for r in run.results] == ["fetch"]
    assert run.results[0].outcome is Outcome.ERROR
    assert run.failures == ()  # transient errors never fail a strict run
    assert run.counts == {"error": 1}
    assert not run.state_written and not list(tmp_path.iterdir())


def test_a_fault_keeps_the_previous_result_marked_stale(tmp_path: Path) -> None:
    before = Result("fetch", Outcome.VERIFIED, "signed", checked_at="2026-01-01T00:00:00Z")
    gone = Result("removed-entry", Outcome.VERIFIED, "signed", checked_at="2026-01-01T00:00:00Z")
    save_state(tmp_path, ProvenanceState({}).merged([before, gone]))
    run = verify_entries(_entries(), registry_dir=tmp_path, all_names={"fetch", "hosted"})
    (result,) = run.results
    assert result.outcome is Outcome.VERIFIED and result.stale and result.error
    stored = load_state(tmp_path)
    assert set(stored.results) == {"fetch"}  # the removed entry's record is dropped
    assert stored.results["fetch"].stale


# --- hostile registries and references fail their own entry only -------------------------


def test_hostile_registries_fail_only_their_entry_and_every_result_is_written(
    tmp_path: Path,
) -> None:
    from tests.ocifake import FakeRegistry, serve_registry
    from tests.provenance_world import make_world

    with (
        make_world(tmp_path / "world") as world,
        serve_registry(FakeRegistry(redirect_loop=True)) as looping,
    ):
        good_ref, good = world.image("example/weather", "1.2.0")
        world.sign("example/weather", good)
        deep = world.registry.push_raw_manifest("example/deep", b"[" * 100_000 + b"]" * 100_000)
        big = world.registry.push_raw_manifest(
            "example/big", b'{"padding": "' + b"x" * (5 * 1024 * 1024) + b'"}'
        )
        host = world.registry.host
        images = {
            "weather": good_ref,
            "deep": f"{host}/example/deep@{deep}",
            "big": f"{host}/example/big@{big}",
            "loop": f"{looping.host}/example/loop:1.0",
            # what validation refuses, built around it: the model takes any text
            "port": "127.0.0.1:99999/example/port:1.0",
            "digits": "127.0.0.1:" + "9" * 5000 + "/example/digits:1.0",
        }
        entries = [world.entry(image, name=name) for name, image in images.items()]
        run = verify_entries(
            entries,
            registry_dir=tmp_path,
            trusted_root=world.trusted_root,
            all_names=set(images),
        )
    by_name = {r.name: r for r in run.results}
    assert set(by_name) == set(images)
    assert by_name["weather"].outcome is Outcome.VERIFIED
    assert by_name["deep"].outcome is Outcome.ERROR
    assert "JSON nested too deeply" in by_name["deep"].detail
    assert by_name["big"].outcome is Outcome.ERROR
    assert "more than the 4194304-byte limit" in by_name["big"].detail
    assert by_name["loop"].outcome is Outcome.ERROR
    assert "redirects more than 5 times" in by_name["loop"].detail
    assert by_name["port"].outcome is Outcome.INVALID
    assert "port 99999 is not between 1 and 65535" in by_name["port"].detail
    assert by_name["digits"].outcome is Outcome.INVALID
    assert "(5000 digits) is not between 1 and 65535" in by_name["digits"].detail
    assert run.state_written
    stored = load_state(tmp_path)
    assert set(stored.results) == set(images)
    assert stored.results["weather"].outcome is Outcome.VERIFIED


def test_a_state_file_nested_100000_deep_is_a_clear_error(tmp_path: Path) -> None:
    import pytest

    from regup.errors import ProvenanceError

    (tmp_path / "provenance.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ProvenanceError, match="JSON nested too deeply"):
        load_state(tmp_path)


# --- skills: their oci package is verified like an image ------------------------------------


def test_a_skill_s_oci_package_is_verified_and_stored_under_its_skill_key(tmp_path: Path) -> None:
    from regup.model import Skill
    from regup.provenance.run import skill_key
    from tests.helpers import SKILL
    from tests.provenance_world import make_world

    with make_world(tmp_path / "world") as world:
        ref, digest = world.image("example/skills/review", "1.2.0")
        world.sign("example/skills/review", digest)
        other_ref, other = world.image("example/skills/other", "1.0.0")
        world.sign("example/skills/other", other)
        oci = [{"registryType": "oci", "identifier": ref}]
        signed = Skill.from_document(
            "review", {**SKILL, "packages": oci, "provenance": world.identity.provenance()}
        )
        wrong = Skill.from_document(
            "other",
            {
                **SKILL,
                "packages": [{"registryType": "oci", "identifier": other_ref}],
                "provenance": world.identity.provenance(repository_uri="https://github.com/x/y"),
            },
        )
        undeclared = Skill.from_document("plain", {**SKILL, "packages": oci})
        git_only = Skill.from_document("git-only", {**SKILL, "packages": SKILL["packages"][1:]})
        run = verify_entries(
            [],
            registry_dir=tmp_path,
            skills=[signed, wrong, undeclared, git_only],
            namespace="io.github.acme",
            trusted_root=world.trusted_root,
        )
    by_name = {r.name: r for r in run.results}
    assert sorted(by_name) == [
        "skill:io.github.acme/other",
        "skill:io.github.acme/plain",
        "skill:io.github.acme/review",
    ]
    assert by_name[skill_key(signed, "io.github.acme")].outcome is Outcome.VERIFIED
    assert by_name[skill_key(signed, "io.github.acme")].digest == digest
    assert by_name["skill:io.github.acme/other"].outcome is Outcome.MISMATCH
    assert by_name["skill:io.github.acme/plain"].outcome is Outcome.NOT_DECLARED
    assert [r.name for r in run.failures] == ["skill:io.github.acme/other"]
    assert run.paths["skill:io.github.acme/review"] == f"{tmp_path}/review"
    stored = load_state(tmp_path)
    assert stored.results["skill:io.github.acme/review"].outcome is Outcome.VERIFIED


def test_a_run_of_entries_only_keeps_the_skills_records(tmp_path: Path) -> None:
    skill = Result("skill:io.github.acme/review", Outcome.VERIFIED, "signed")
    save_state(tmp_path, ProvenanceState({}).merged([skill]))
    verify_entries(_entries(), registry_dir=tmp_path, all_names={"fetch", "hosted"})
    assert set(load_state(tmp_path).results) == {"fetch", "skill:io.github.acme/review"}

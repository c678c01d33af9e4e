"""``regup.diff``: reading each kind of input, every kind of change, and the three renderers."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from regup.build import BuildRequest, build
from regup.diff import CHANGE_KINDS, Change, RegistryDiff, compare, diff, read_snapshot
from regup.errors import DiffInputError
from regup.load import load_registry
from regup.report.diff import FORMATS, code, render_json, render_markdown, render_text
from regup.validate import validate_documents
from tests.helpers import (
    REPO_ROOT,
    SKILL,
    TEST_CONFIG,
    Content,
    Files,
    container,
    group,
    remote,
    to_yaml,
    write_registry,
)

REGISTRY = Path("registry")

NETWORK = {"network": {"outbound": {"allow_host": ["api.example.com"], "allow_port": [443]}}}
WIDER = {
    "network": {
        "outbound": {"allow_host": ["api.example.com", "evil.example"], "allow_port": [443]}
    }
}
PROVENANCE = {
    "sigstore_url": "tuf-repo-cdn.sigstore.dev",
    "repository_uri": "https://github.com/example/fetch",
    "repository_ref": "refs/tags/v1.2.3",
    "signer_identity": "/.github/workflows/release.yml",
    "runner_environment": "github-hosted",
    "cert_issuer": "https://token.actions.githubusercontent.com",
}
SECRET_ENV = [
    {"name": "FETCH_TOKEN", "description": "Token of the fetch service.", "secret": True},
    {"name": "FETCH_TIMEOUT", "description": "Seconds to wait for a page.", "required": False},
]


def diff_of(tmp_path: Path, old: Mapping[str, Content], new: Mapping[str, Content]) -> RegistryDiff:
    """Write two registry folders and compare them."""
    write_registry(tmp_path / "old", **old)
    write_registry(tmp_path / "new", **new)
    return diff("old", "new", registry_dir=REGISTRY, cwd=tmp_path)


def only_server(result: RegistryDiff) -> list[Change]:
    assert len(result.servers) == 1, result.servers
    return list(result.servers[0].changes)


def kinds(result: RegistryDiff) -> set[str]:
    return (
        {c.kind for s in result.servers for c in s.changes}
        | {c.kind for g in result.groups for c in g.changes}
        | {c.kind for s in result.skills for c in s.changes}
    )


# --- one kind of change at a time ---------------------------------------------------------


def test_same_registry_gives_an_empty_diff(tmp_path: Path) -> None:
    result = diff_of(tmp_path, {"fetch": container()}, {"fetch": container()})
    assert result.empty
    assert "No changes to servers or groups." in render_text(result)
    assert json.loads(render_json(result))["servers"] == []


def test_added_and_removed_servers(tmp_path: Path) -> None:
    result = diff_of(tmp_path, {"fetch": container()}, {"tracker": remote()})
    by_name = {s.name: s for s in result.servers}
    assert by_name["fetch"].status == "removed"
    assert by_name["fetch"].changes[0].items == ("ghcr.io/example/fetch:1.2.3",)
    assert by_name["tracker"].status == "added"
    assert by_name["tracker"].kind == "remote"
    assert by_name["tracker"].changes[0].items == ("https://mcp.example.com/mcp",)
    assert result.summary["added"] == 1 and result.summary["removed"] == 1


def test_an_added_server_with_broad_grants_is_security_relevant(tmp_path: Path) -> None:
    wide = {"privileged": True, "network": {"outbound": {"insecure_allow_all": True}}}
    result = diff_of(tmp_path, {}, {"fetch": container(permissions=wide)})
    flagged = [c.label for _, c in result.security_changes]
    assert flagged == ["privileged mode", "unrestricted network (insecure_allow_all)"]
    plain = diff_of(tmp_path / "2", {}, {"fetch": container(permissions=NETWORK)})
    assert plain.security_changes == []
    assert ("network hosts", ("api.example.com",)) in [
        (c.label, c.items) for c in plain.servers[0].changes
    ]


def test_deprecated_and_reactivated(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path,
        {"fetch": container(), "tracker": remote(status="Deprecated")},
        {"fetch": container(status="Deprecated"), "tracker": remote()},
    )
    assert [(s.name, [c.kind for c in s.changes]) for s in result.servers] == [
        ("fetch", ["deprecated"]),
        ("tracker", ["reactivated"]),
    ]
    assert result.summary["deprecated"] == 1


def test_image_tag_bump_is_not_flagged(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path, {"fetch": container()}, {"fetch": container(image="ghcr.io/example/fetch:1.3.0")}
    )
    [change] = only_server(result)
    assert (change.kind, change.old, change.new, change.security) == (
        "image-bump",
        "ghcr.io/example/fetch:1.2.3",
        "ghcr.io/example/fetch:1.3.0",
        False,
    )


def test_image_from_another_repository_is_flagged(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path,
        {"fetch": container()},
        {"fetch": container(image="docker.io/someone/fetch:1.2.3")},
    )
    [change] = only_server(result)
    assert change.kind == "image-replaced" and change.security


def test_version_bump(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path, {"fetch": container(version="1.2.3")}, {"fetch": container(version="1.3.0")}
    )
    [change] = only_server(result)
    assert (change.kind, change.old, change.new) == ("version", "1.2.3", "1.3.0")


def test_tools_added_and_removed(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path,
        {"fetch": container(tools=["fetch", "head"])},
        {"fetch": container(tools=["fetch", "crawl", "sitemap"])},
    )
    assert [(c.kind, c.items) for c in only_server(result)] == [
        ("tools-added", ("crawl", "sitemap")),
        ("tools-removed", ("head",)),
    ]


def test_env_vars_added_removed_and_a_removed_secret(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path,
        {"fetch": container(env_vars=SECRET_ENV)},
        {
            "fetch": container(
                env_vars=[{"name": "FETCH_PROXY", "description": "Proxy to use.", "required": True}]
            )
        },
    )
    assert [(c.kind, c.label, c.items) for c in only_server(result)] == [
        ("env-var-added", "env vars added", ("FETCH_PROXY (required)",)),
        ("env-var-removed", "secret env vars removed", ("FETCH_TOKEN (secret)",)),
        ("env-var-removed", "env vars removed", ("FETCH_TIMEOUT",)),
    ]


def test_a_secret_that_loses_its_flag_is_security_relevant(tmp_path: Path) -> None:
    plain = [dict(SECRET_ENV[0], secret=False), SECRET_ENV[1]]
    result = diff_of(
        tmp_path, {"fetch": container(env_vars=SECRET_ENV)}, {"fetch": container(env_vars=plain)}
    )
    [change] = only_server(result)
    assert (change.kind, change.label, change.items, change.security) == (
        "env-var-changed",
        "env var no longer secret",
        ("FETCH_TOKEN",),
        True,
    )
    back = diff_of(
        tmp_path / "2",
        {"fetch": container(env_vars=plain)},
        {"fetch": container(env_vars=SECRET_ENV)},
    )
    assert [(c.label, c.security) for c in only_server(back)] == [("env var now secret", False)]


def test_env_var_required_default_and_description(tmp_path: Path) -> None:
    before = [{"name": "MODE", "description": "Mode.", "required": False, "default": "fast"}]
    after = [{"name": "MODE", "description": "Which mode.", "required": True, "default": "safe"}]
    result = diff_of(
        tmp_path, {"fetch": container(env_vars=before)}, {"fetch": container(env_vars=after)}
    )
    assert [(c.label, c.old, c.new) for c in only_server(result)] == [
        ("env var now required", None, None),
        ("env var MODE default", "fast", "safe"),
        ("env var description changed", None, None),
    ]


def test_headers_of_a_remote_server(tmp_path: Path) -> None:
    header = dict(remote()["headers"][0], secret=False)
    result = diff_of(
        tmp_path,
        {"tracker": remote()},
        {"tracker": remote(headers=[header, {"name": "X-Org", "description": "Org id."}])},
    )
    assert [(c.kind, c.label, c.security) for c in only_server(result)] == [
        ("header-added", "headers added", False),
        ("header-changed", "header no longer secret", True),
    ]


def test_widened_network_permission_is_security_relevant(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path, {"fetch": container(permissions=NETWORK)}, {"fetch": container(permissions=WIDER)}
    )
    [change] = only_server(result)
    assert (change.kind, change.label, change.items, change.security) == (
        "permission-widened",
        "network hosts added",
        ("evil.example",),
        True,
    )
    assert result.security_changes == [("fetch", change)]


def test_narrowed_permissions_are_not_flagged(tmp_path: Path) -> None:
    before = {"read": ["/data"], "write": ["/out"], **WIDER, "privileged": True}
    result = diff_of(
        tmp_path,
        {"fetch": container(permissions=before)},
        {"fetch": container(permissions=NETWORK)},
    )
    assert {(c.kind, c.label) for c in only_server(result)} == {
        ("permission-narrowed", "read paths removed"),
        ("permission-narrowed", "write paths removed"),
        ("permission-narrowed", "network hosts removed"),
        ("permission-narrowed", "privileged mode turned off"),
    }
    assert result.security_changes == []


@pytest.mark.parametrize(
    ("after", "label"),
    [
        ({**NETWORK, "write": ["/home"]}, "write paths added"),
        ({**NETWORK, "read": ["/etc"]}, "read paths added"),
        (
            {"network": {"outbound": {"allow_host": ["api.example.com"], "allow_port": [443, 22]}}},
            "network ports added",
        ),
        ({**NETWORK, "privileged": True}, "privileged mode turned on"),
        (
            {"network": {"outbound": {"insecure_allow_all": True}}},
            "unrestricted network (insecure_allow_all) turned on",
        ),
        (None, "permissions block removed (the client's default profile applies)"),
    ],
)
def test_each_widening_is_flagged(tmp_path: Path, after: Any, label: str) -> None:
    result = diff_of(
        tmp_path, {"fetch": container(permissions=NETWORK)}, {"fetch": container(permissions=after)}
    )
    flagged = [c.label for _, c in result.security_changes]
    assert label in flagged
    assert all(c.kind == "permission-widened" for _, c in result.security_changes)


def test_provenance_added_removed_and_another_signer(tmp_path: Path) -> None:
    added = diff_of(tmp_path / "a", {"img": container()}, {"img": container(provenance=PROVENANCE)})
    assert [(c.kind, c.security) for c in only_server(added)] == [("provenance-added", False)]
    removed = diff_of(
        tmp_path / "r", {"img": container(provenance=PROVENANCE)}, {"img": container()}
    )
    assert [(c.kind, c.security) for c in only_server(removed)] == [("provenance-removed", True)]
    other = dict(PROVENANCE, signer_identity="/.github/workflows/other.yml")
    other["repository_ref"] = "refs/tags/v1.3.0"
    changed = diff_of(
        tmp_path / "c",
        {"img": container(provenance=PROVENANCE)},
        {"img": container(provenance=other)},
    )
    assert [(c.label, c.security) for c in only_server(changed)] == [
        ("provenance repository_ref", False),
        ("provenance signer_identity", True),
    ]


def test_oauth_scopes_and_issuer(tmp_path: Path) -> None:
    oauth = {"issuer": "https://login.other.example", "scopes": ["read", "write"]}
    result = diff_of(tmp_path, {"svc": remote()}, {"svc": remote(oauth_config=oauth)})
    assert [(c.label, c.items, c.security) for c in only_server(result)] == [
        ("OAuth scopes added", ("write",), True),
        ("OAuth issuer", (), True),
    ]


def test_remote_url_on_another_host_is_flagged(tmp_path: Path) -> None:
    same = diff_of(
        tmp_path / "s", {"svc": remote()}, {"svc": remote(url="https://mcp.example.com/v2")}
    )
    assert [(c.kind, c.security) for c in only_server(same)] == [("url-changed", False)]
    other = diff_of(
        tmp_path / "o", {"svc": remote()}, {"svc": remote(url="https://mcp.evil.example/")}
    )
    assert [(c.kind, c.label, c.security) for c in only_server(other)] == [
        ("url-changed", "URL on another host", True)
    ]


def test_container_becoming_remote(tmp_path: Path) -> None:
    result = diff_of(tmp_path, {"fetch": container()}, {"fetch": remote()})
    assert ("kind-changed", "container", "remote", True) in [
        (c.kind, c.old, c.new, c.security) for c in only_server(result)
    ]


def test_other_fields_and_metadata(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path,
        {"fetch": container(), "other": container(image="ghcr.io/example/other:1")},
        {
            "fetch": container(
                description="Fetches pages and returns clean Markdown text.", tags=["web"]
            ),
            "other": container(
                image="ghcr.io/example/other:1",
                metadata={"stars": 50, "pulls": 1000, "last_updated": "2025-07-01T00:00:00Z"},
            ),
        },
    )
    by_name = {s.name: s for s in result.servers}
    assert [(c.label, c.new) for c in by_name["fetch"].changes] == [
        ("description", "Fetches pages and returns clean Markdown text."),
        ("tags", "web"),
    ]
    assert by_name["other"].metadata_only
    assert [(c.label, c.old, c.new) for c in by_name["other"].changes] == [
        ("stars", "42", "50"),
        ("last updated", "2025-06-01T12:00:00Z", "2025-07-01T00:00:00Z"),
    ]
    assert result.summary["changed"] == 1 and result.summary["metadata_only"] == 1


def test_tag_order_alone_is_no_change(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path, {"fetch": container(tags=["a", "b"])}, {"fetch": container(tags=["b", "a"])}
    )
    assert result.empty


def test_groups_added_removed_and_changed(tmp_path: Path) -> None:
    old = {
        "fetch": container(),
        "tracker": remote(),
        "web": group("Tools for the web.", "fetch"),
        "gone": group("An old group of tools.", "fetch"),
    }
    new = {
        "fetch": container(),
        "tracker": remote(),
        "web": group("Tools for the web.", "tracker"),
        "work": group("Tools for work.", "fetch", "tracker"),
    }
    result = diff_of(tmp_path, old, new)
    assert [(g.name, g.status, [(c.label, c.items) for c in g.changes]) for g in result.groups] == [
        ("gone", "removed", [("removed", ())]),
        ("web", "changed", [("servers added", ("tracker",)), ("servers removed", ("fetch",))]),
        ("work", "added", [("servers", ("fetch", "tracker"))]),
    ]


def test_an_invalid_entry_is_left_out_with_a_note(tmp_path: Path) -> None:
    result = diff_of(
        tmp_path,
        {"fetch": container()},
        {"fetch": container(), "broken": container(transport="carrier-pigeon")},
    )
    assert result.empty
    assert len(result.notes) == 1
    assert "1 entry has errors" in result.notes[0] and "(broken)" in result.notes[0]


# --- every kind, and the renderers --------------------------------------------------------


def everything(tmp_path: Path) -> RegistryDiff:
    """One diff with every kind of change in it."""
    oauth = {"issuer": "https://auth.example.com", "scopes": ["read", "admin"]}
    old = {
        "gone": container(),
        "dep": container(),
        "back": container(status="Deprecated"),
        "kind": container(),
        "bump": container(image="ghcr.io/example/bump:1.0.0", version="1.0.0", tools=["a", "b"]),
        "swap": container(image="ghcr.io/example/swap:1"),
        "envs": container(env_vars=SECRET_ENV),
        "perm": container(permissions=WIDER),
        "prov": container(provenance=PROVENANCE),
        "unprov": container(provenance=PROVENANCE),
        "reprov": container(provenance=PROVENANCE),
        "remote": remote(
            headers=[remote()["headers"][0], {"name": "X-Old", "description": "Old header."}]
        ),
        "meta": container(),
        "grp": group("A group of servers.", "dep"),
        "oldgrp": group("An old group of servers.", "dep"),
    }
    new = {
        "new": container(permissions={"privileged": True}),
        "dep": container(status="Deprecated"),
        "back": container(),
        "kind": remote(),
        "bump": container(image="ghcr.io/example/bump:1.1.0", version="1.1.0", tools=["b", "c"]),
        "swap": container(image="docker.io/other/swap:1"),
        "envs": container(
            env_vars=[
                dict(SECRET_ENV[0], secret=False, required=True),
                {"name": "NEW", "description": "New one."},
            ]
        ),
        "perm": container(permissions=NETWORK, transport="sse", tier="Official"),
        "prov": container(provenance=dict(PROVENANCE, signer_identity="/other.yml")),
        "unprov": container(),
        "reprov": container(),
        "remote": remote(
            url="https://mcp.other.example/mcp",
            oauth_config=oauth,
            headers=[
                dict(remote()["headers"][0], required=False),
                {"name": "X-New", "description": "New header."},
            ],
            description="Searches and files issues in the hosted tracker.",
        ),
        "meta": container(metadata={"stars": 43}),
        "grp": group("A group of servers, renamed.", "dep", "back"),
        "newgrp": group("A new group of servers.", "back"),
    }
    old["prov2"] = container()
    new["prov2"] = container(provenance=PROVENANCE)
    old["wide"] = container(permissions=NETWORK)
    new["wide"] = container(permissions=WIDER)
    old["skills"] = Files(
        {
            "gone/skill.yaml": to_yaml(SKILL),
            "review/skill.yaml": to_yaml(SKILL),
            "moved/skill.yaml": to_yaml(SKILL),
        }
    )
    moved = [{"registryType": "oci", "identifier": "ghcr.io/other/skills/review:1.2.0"}]
    new["skills"] = Files(
        {
            "fresh/skill.yaml": to_yaml(SKILL),
            "review/skill.yaml": to_yaml(
                {**SKILL, "version": "1.3.0", "status": "deprecated", "license": "MIT"}
            ),
            "moved/skill.yaml": to_yaml({**SKILL, "packages": moved}),
        }
    )
    write_registry(tmp_path / "old", **old)
    write_registry(tmp_path / "new", **new)
    (tmp_path / "new" / "health.json").write_text(
        json.dumps({"version": 1, "entries": {"meta": {"live": {"state": "healthy"}}}})
    )
    return diff("old", "new", registry_dir=REGISTRY, cwd=tmp_path)


def test_every_documented_kind_is_produced_and_every_produced_kind_documented(
    tmp_path: Path,
) -> None:
    seen = kinds(everything(tmp_path))
    assert seen == set(CHANGE_KINDS)


def test_text_format(tmp_path: Path) -> None:
    text = render_text(everything(tmp_path))
    lines = text.splitlines()
    assert lines[0].startswith("regup diff ")
    assert (
        "1 added, 1 removed, 1 deprecated, 13 changed, 1 with new metadata only, 3 groups changed"
        in lines[0]
    )
    assert "+ new" in lines and "- gone" in lines and "~ perm" in lines
    assert "    network hosts removed: evil.example" in lines
    assert "  ! network hosts added: evil.example" in text.split("~ wide", 1)[1].splitlines()
    assert "  ! secret env vars removed: FETCH_TOKEN (secret)" not in lines
    assert "  ! env var no longer secret: FETCH_TOKEN" in lines
    assert "    image: ghcr.io/example/bump:1.0.0 → ghcr.io/example/bump:1.1.0" in lines
    assert "\x1b[" not in text
    assert "\x1b[" in render_text(everything(tmp_path / "c"), color=True)


def test_markdown_format(tmp_path: Path) -> None:
    result = everything(tmp_path)
    md = render_markdown(result)
    assert md.startswith("### Registry changes: ")
    assert "> [!WARNING]" in md
    warning = [line for line in md.splitlines() if line.startswith("> - ")]
    assert len(warning) == len(result.security_changes) > 0
    assert "> - `wide`: network hosts added: `evil.example`" in warning
    assert "> - `envs`: env var no longer secret: `FETCH_TOKEN`" in warning
    assert "#### Added" in md and "#### Removed" in md and "#### Changed" in md
    assert "  - image: `ghcr.io/example/bump:1.0.0` → `ghcr.io/example/bump:1.1.0`" in md
    assert "<summary>New metadata only: 1 server</summary>" in md
    assert "#### Groups" in md


def test_markdown_quotes_values_from_entries(tmp_path: Path) -> None:
    """A registry.json is not validated: its values may carry Markdown, HTML or mentions."""
    hostile = container(tools=["fetch", "a`b|c", "@everyone", "<img src=x>"])
    (tmp_path / "a.json").write_text(json.dumps({"servers": {"fetch": container()}}))
    (tmp_path / "b.json").write_text(json.dumps({"servers": {"fetch": hostile}}))
    md = render_markdown(diff("a.json", "b.json", registry_dir=REGISTRY, cwd=tmp_path))
    assert "tools added: `<img src=x>`, `@everyone`, ``a`b\\|c``" in md
    assert code("``x") == "``` ``x ```"


def test_json_format(tmp_path: Path) -> None:
    result = everything(tmp_path)
    data = json.loads(render_json(result))
    assert set(data) == {"old", "new", "summary", "servers", "groups", "skills", "notes"}
    assert data["summary"]["security"] == len(result.security_changes)
    wide = next(s for s in data["servers"] if s["name"] == "wide")
    assert wide == {
        "name": "wide",
        "status": "changed",
        "kind": "container",
        "security": True,
        "changes": [
            {
                "kind": "permission-widened",
                "label": "network hosts added",
                "items": ["evil.example"],
                "old": None,
                "new": None,
                "security": True,
            }
        ],
    }
    assert render_json(result) == render_json(everything(tmp_path / "again"))


def test_formats_registry() -> None:
    assert list(FORMATS) == ["text", "markdown", "json"]


# --- the kinds of input -------------------------------------------------------------------


def build_dist(registry: Path, out: Path) -> Path:
    result = build(BuildRequest(registry, out, TEST_CONFIG))
    assert result.validation.ok, result.validation.diagnostics
    return out


def test_registry_json_and_dist_folders_give_the_same_changes(tmp_path: Path) -> None:
    old = write_registry(tmp_path / "old", fetch=container(permissions=NETWORK), gone=remote())
    new = write_registry(
        tmp_path / "new",
        fetch=container(permissions=WIDER, image="ghcr.io/example/fetch:1.3.0", version="9"),
        added=remote(),
    )
    d1, d2 = build_dist(old, tmp_path / "d1"), build_dist(new, tmp_path / "d2")
    from_folders = diff("old", "new", registry_dir=REGISTRY, cwd=tmp_path)
    from_dists = diff("d1", "d2", registry_dir=REGISTRY, cwd=tmp_path)
    from_files = diff(
        str(d1 / "registry.json"), str(d2 / "registry.json"), registry_dir=REGISTRY, cwd=tmp_path
    )
    assert from_dists.servers == from_files.servers
    # registry.json has no version: that change is only seen in the registry folders
    assert kinds(from_folders) - kinds(from_dists) == {"version"}
    assert [s.name for s in from_dists.servers] == ["added", "fetch", "gone"]
    assert any("not compared" in n for n in from_dists.notes)
    assert not any("not compared" in n for n in from_folders.notes)


def test_registry_json_of_another_toolhive_registry(tmp_path: Path) -> None:
    doc = {
        "servers": {"fetch": container()},
        "remote_servers": {},
        "groups": [{"name": "g", "description": "G.", "servers": {"solo": container()}}],
    }
    (tmp_path / "a.json").write_text(json.dumps(doc))
    (tmp_path / "b.json").write_text(json.dumps({"servers": {}}))
    result = diff("a.json", "b.json", registry_dir=REGISTRY, cwd=tmp_path)
    assert [(s.name, s.status) for s in result.servers] == [
        ("fetch", "removed"),
        ("solo", "removed"),
    ]
    assert [g.name for g in result.groups] == ["g"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not valid JSON"),
        (b'{"data": {"servers": []}}', "is not a ToolHive registry.json"),
        (b'{"servers": {"x": {"image": "a:1"}}}', "server 'x' has no description"),
        (b'{"servers": {"x": 3}}', "server 'x' is not a JSON object"),
        (b'{"servers": []}', "servers must be a mapping"),
        (b'{"servers": {}, "groups": [{"description": "no name"}]}', "every group needs a name"),
    ],
)
def test_unreadable_registry_json(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "bad.json").write_bytes(content)
    with pytest.raises(DiffInputError, match=message):
        read_snapshot("bad.json", registry_dir=REGISTRY, cwd=tmp_path)


def test_a_folder_that_is_neither_dist_nor_registry(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print()\n")
    with pytest.raises(DiffInputError, match="holds neither registry.json"):
        read_snapshot("src", registry_dir=REGISTRY, cwd=tmp_path)
    (tmp_path / "empty").mkdir()  # a registry with no entries yet
    assert read_snapshot("empty", registry_dir=REGISTRY, cwd=tmp_path).registry.entries == ()


@pytest.mark.parametrize("layout", ["flat", "catalog"])
def test_registry_folders_of_server_json_entries_are_compared(
    reference_dir: Path, tmp_path: Path, layout: str
) -> None:
    source = reference_dir / "toolhive-catalog" / "servers" / "k8s" / "server.json"
    doc = json.loads(source.read_text())
    for side in ("old", "new"):
        folder = tmp_path / side / ("servers" if layout == "catalog" else "") / "k8s"
        folder.mkdir(parents=True)
        if side == "new":
            blocks = doc["_meta"]["io.modelcontextprotocol.registry/publisher-provided"]
            next(iter(blocks["io.github.stacklok"].values()))["tools"].append("extra_tool")
        (folder / "server.json").write_text(json.dumps(doc))
    result = diff("old", "new", registry_dir=REGISTRY, cwd=tmp_path)
    assert result.summary["changed"] == 1
    assert [s.name for s in result.servers] == ["k8s"]
    assert "tools added: extra_tool" in render_text(result)


def test_neither_path_nor_git_ref(tmp_path: Path) -> None:
    with pytest.raises(DiffInputError, match="is not a file or folder, nor a git ref"):
        read_snapshot("no-such-thing", registry_dir=REGISTRY, cwd=tmp_path)
    with pytest.raises(DiffInputError, match="nor a git ref"):
        read_snapshot("--output=/tmp/x", registry_dir=REGISTRY, cwd=tmp_path)


# --- git refs -----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def commit_registry(repo: Path, message: str, **entries: Content) -> None:
    write_registry(repo / "registry", **entries)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits of ``registry/``: a widened permission, a new server."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("before the registry\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "no registry yet")
    commit_registry(root, "first", fetch=container(permissions=NETWORK))
    commit_registry(root, "second", fetch=container(permissions=WIDER), tracker=remote())
    return root


def test_two_git_refs(repo: Path) -> None:
    status_before = git(repo, "status", "--porcelain")
    result = diff("HEAD~1", "HEAD", registry_dir=REGISTRY, cwd=repo)
    assert [(s.name, s.status) for s in result.servers] == [
        ("fetch", "changed"),
        ("tracker", "added"),
    ]
    assert [c.label for _, c in result.security_changes] == ["network hosts added"]
    assert result.old == "HEAD~1" and result.notes == ()
    assert git(repo, "status", "--porcelain") == status_before == ""


def test_git_ref_against_the_work_tree(repo: Path) -> None:
    write_registry(repo / "registry", fetch=container(permissions=WIDER, tools=["fetch", "x"]))
    result = diff("HEAD", "registry", registry_dir=REGISTRY, cwd=repo)
    assert [(c.kind, c.items) for c in result.servers[0].changes] == [("tools-added", ("x",))]


def test_git_ref_from_a_subfolder_and_another_registry_folder(repo: Path) -> None:
    sub = repo / "docs"
    sub.mkdir()
    result = diff("HEAD~1", "HEAD", registry_dir=Path("../registry"), cwd=sub)
    assert [s.name for s in result.servers] == ["fetch", "tracker"]


def test_git_ref_before_the_registry_existed(repo: Path) -> None:
    result = diff("HEAD~2", "HEAD", registry_dir=REGISTRY, cwd=repo)
    assert [(s.name, s.status) for s in result.servers] == [
        ("fetch", "added"),
        ("tracker", "added"),
    ]
    assert result.notes == (
        "HEAD~2: registry/ does not exist at this commit; compared as an empty registry",
    )


def test_git_export_attributes_do_not_change_what_is_compared(repo: Path) -> None:
    """``git archive`` would drop export-ignore files and expand $Format$; we read blobs."""
    (repo / ".gitattributes").write_text("registry/** export-ignore\n")
    commit_registry(
        repo, "third", fetch=container(permissions=WIDER, description="Fetches $Format:%H$ pages.")
    )
    result = diff("HEAD~1", "HEAD", registry_dir=REGISTRY, cwd=repo)
    [server] = result.servers
    assert server.changes[0].new == "Fetches $Format:%H$ pages."


def test_registry_folder_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(DiffInputError, match="outside the git repository"):
        read_snapshot("HEAD", registry_dir=tmp_path / "elsewhere", cwd=repo)


def test_unknown_ref_in_a_repository(repo: Path) -> None:
    with pytest.raises(DiffInputError, match="'v9.9' is not a file or folder, nor a git ref"):
        read_snapshot("v9.9", registry_dir=REGISTRY, cwd=repo)


def built_names(registry: Path) -> set[str]:
    """The servers a build of ``registry`` publishes (what load and validate accept)."""
    result = validate_documents(load_registry(registry))
    return {e.name for e in result.registry.entries}


def commit_links(repo: Path, message: str, links: Mapping[str, str]) -> None:
    """Commit ``registry/<path>`` symlinks to the given targets (folders made as needed)."""
    for rel, target in links.items():
        link = repo / "registry" / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_a_server_added_through_a_symlinked_spec_is_seen_by_git_diff(
    repo: Path, absolute: bool
) -> None:
    # A pull request adds registry/sneaky/spec.yaml as a symlink to a file elsewhere in the
    # registry (a folder starting with "_" is no entry): validate and build publish the
    # server, so the review diff must show it, with the target's content.
    write_registry(repo / "registry" / "_store", sneaky=container(permissions=WIDER))
    target = repo / "registry" / "_store" / "sneaky" / "spec.yaml"
    commit_links(
        repo,
        "sneak",
        {
            "sneaky/spec.yaml": str(target) if absolute else "../_store/sneaky/spec.yaml",
            "alias": "fetch",  # an entry folder that is a symlink to another entry's folder
        },
    )
    result = diff("HEAD~1", "HEAD", registry_dir=REGISTRY, cwd=repo)
    assert [(s.name, s.status) for s in result.servers] == [
        ("alias", "added"),
        ("sneaky", "added"),
    ]
    assert result.notes == ()
    head = read_snapshot("HEAD", registry_dir=REGISTRY, cwd=repo)
    assert {e.name for e in head.registry.entries} == built_names(repo / "registry")
    entries = {e.name: e for e in head.registry.entries}
    assert entries["sneaky"].permissions == entries["fetch"].permissions  # the target's text
    assert entries["alias"].image == entries["fetch"].image
    assert git(repo, "status", "--porcelain") == ""


def test_a_symlink_out_of_the_registry_is_refused_by_git_diff_quoting_nothing(
    repo: Path, tmp_path: Path
) -> None:
    # The targets are valid entries, so that reading them would make a server appear; their
    # paths and a marker in their text must not reach the result.
    marker = "Secret-Marker-7f3a credentials"
    outside = tmp_path / "credentials-elsewhere" / "spec.yaml"
    write_registry(outside.parent.parent, **{outside.parent.name: container(title=marker)})
    (repo / "private.yaml").write_text(to_yaml(container(title=marker)), encoding="utf-8")
    outside_folder = tmp_path / "outside-folder"
    write_registry(outside_folder, **{"spec-holder": container(title=marker)})
    commit_links(
        repo,
        "leak",
        {
            "leak-abs/spec.yaml": str(outside),
            "leak-rel/spec.yaml": "../../private.yaml",
            "leak-dir": str(outside_folder / "spec-holder"),
            "loop/spec.yaml": "spec.yaml",
        },
    )
    result = diff("HEAD~1", "HEAD", registry_dir=REGISTRY, cwd=repo)
    assert result.empty, result.servers
    head = read_snapshot("HEAD", registry_dir=REGISTRY, cwd=repo)
    assert {e.name for e in head.registry.entries} == built_names(repo / "registry")
    text = "\n".join(result.notes)
    for name in ("leak-abs", "leak-dir", "leak-rel", "loop"):
        assert name in text
    assert "outside the registry" in text
    rendered = render_text(result) + render_markdown(result) + render_json(result)
    for secret in (marker, "credentials-elsewhere", "outside-folder", "private.yaml"):
        assert secret not in rendered and secret not in text


def test_compare_is_symmetric_in_counts(tmp_path: Path) -> None:
    a = read_snapshot(str(write_registry(tmp_path / "a", one=container())), registry_dir=REGISTRY)
    b = read_snapshot(str(write_registry(tmp_path / "b", two=remote())), registry_dir=REGISTRY)
    forward, backward = compare(a, b), compare(b, a)
    assert forward.summary["added"] == backward.summary["removed"] == 1


def test_every_change_kind_is_documented() -> None:
    page = (REPO_ROOT / "site" / "docs" / "automation.md").read_text(encoding="utf-8")
    assert [kind for kind in CHANGE_KINDS if f"`{kind}`" not in page] == []
    nav = (REPO_ROOT / "site" / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- Automation: automation.md" in nav


def test_control_characters_from_either_side_are_shown_escaped(tmp_path: Path) -> None:
    """Neither side of a diff is validated: a folder name or value with an OSC or CSI
    sequence is printed as an escape in text and Markdown, never sent to the terminal."""
    hostile = "ev\x1b]0;pwn\x07il"
    result = diff_of(tmp_path, {"fetch": container()}, {"fetch": container(), hostile: container()})
    for text in (render_text(result), render_markdown(result)):
        assert "\x1b" not in text and "\x07" not in text
        assert "x1b" in text and "pwn" in text and "x07il" in text  # shown as escapes


def test_skills_are_compared_and_a_package_moving_repository_is_flagged(tmp_path: Path) -> None:
    result = everything(tmp_path)
    by_name = {s.name: s for s in result.skills}
    assert {n: s.status for n, s in by_name.items()} == {
        "fresh": "added",
        "gone": "removed",
        "moved": "changed",
        "review": "changed",
    }
    review = [(c.kind, c.old, c.new) for c in by_name["review"].changes]
    assert review == [
        ("skill-version", "1.2.0", "1.3.0"),
        ("skill-status", "active", "deprecated"),
        ("skill-changed", "Apache-2.0", "MIT"),
    ]
    moved = by_name["moved"].changes
    assert [(c.label, c.security) for c in moved] == [
        ("oci package replaced", True),
        ("git package removed", False),
    ]
    assert ("moved", moved[0]) in result.security_changes
    assert result.summary["skills"] == 4
    text = render_text(result)
    assert "skills:\n+ fresh\n" in text and "  ! oci package replaced: " in text
    assert "#### Skills" in render_markdown(result)


def _health(folder: Path, entries: dict[str, Any]) -> None:
    (folder / "health.json").write_text(json.dumps({"version": 1, "entries": entries}))


def test_health_changes_are_reported_and_drift_is_flagged(tmp_path: Path) -> None:
    entries = {"fetch": container(), "weather": remote(), "quiet": container()}
    write_registry(tmp_path / "old", **entries)
    write_registry(tmp_path / "new", **entries)
    unchanged = {"state": "unchanged", "facts": {"against": "tools.json"}}
    _health(
        tmp_path / "old",
        {
            "weather": {"live": {"state": "healthy"}, "drift": unchanged},
            "fetch": {"repository": {"state": "active", "facts": {"license": "MIT"}}},
            "quiet": {"live": {"state": "not-run"}},
        },
    )
    drifted = {"state": "drifted", "facts": {"changed": ["search_issues"]}}
    _health(
        tmp_path / "new",
        {
            "weather": {"live": {"state": "healthy", "stale": True}, "drift": drifted},
            "fetch": {
                "repository": {"state": "active", "facts": {"license": "GPL-3.0-only"}},
                "image": {"state": "behind", "facts": {"newest_tag": "1.3.0"}},
            },
            "quiet": {"live": {"state": "not-run"}},
        },
    )
    result = diff("old", "new", registry_dir=REGISTRY, cwd=tmp_path)
    by_name = {s.name: s for s in result.servers}
    assert set(by_name) == {"fetch", "weather"}  # a stale flag alone is no change
    (drift,) = by_name["weather"].changes
    assert (drift.kind, drift.old, drift.new, drift.security) == (
        "health",
        "unchanged",
        "drifted",
        True,
    )
    assert drift.items == ("search_issues",)
    assert not by_name["weather"].metadata_only  # security: shown with the real changes
    fetch = {(c.label, c.old, c.new) for c in by_name["fetch"].changes}
    assert fetch == {
        ("repository license", "MIT", "GPL-3.0-only"),
        ("image health", "not checked yet", "behind"),
    }
    assert by_name["fetch"].metadata_only
    assert ("weather", drift) in result.security_changes
    markdown = render_markdown(result)
    assert "drift unchanged → drifted, tools: `search_issues`" in markdown


def test_a_malformed_health_file_is_a_note_not_a_failure(tmp_path: Path) -> None:
    write_registry(tmp_path / "old", fetch=container())
    write_registry(tmp_path / "new", fetch=container())
    (tmp_path / "new" / "health.json").write_text("{broken")
    result = diff("old", "new", registry_dir=REGISTRY, cwd=tmp_path)
    assert result.empty
    assert any("health is not compared" in note for note in result.notes)


def test_a_registry_json_side_holds_no_skills_so_they_are_not_compared(tmp_path: Path) -> None:
    old = write_registry(tmp_path / "old", fetch=container())
    write_registry(
        tmp_path / "new", fetch=container(), skills=Files({"review/skill.yaml": to_yaml(SKILL)})
    )
    dist = build_dist(old, tmp_path / "d1")
    folders = diff("old", "new", registry_dir=REGISTRY, cwd=tmp_path)
    assert [s.name for s in folders.skills] == ["review"]
    mixed = diff(str(dist / "registry.json"), "new", registry_dir=REGISTRY, cwd=tmp_path)
    assert mixed.skills == ()
    assert "registry.json holds no skills, so skills are not compared" in mixed.notes

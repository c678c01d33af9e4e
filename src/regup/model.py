"""The typed model every stage shares: entries, groups, skills and the registry.

Models are frozen and built once, at the edge, from a document that passed schema
validation (:meth:`Entry.from_document`). ``to_document`` gives the authored form back, in
the canonical key order of the README's examples, so importers and formatters write the
same shape that maintainers write.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from regup.yamlio import SourceMap

JsonDict = dict[str, Any]


class Kind(enum.Enum):
    CONTAINER = "container"
    REMOTE = "remote"


def _opt(doc: Mapping[str, Any], key: str) -> Any:
    return doc.get(key)


def _tuple(doc: Mapping[str, Any], key: str) -> tuple[Any, ...]:
    return tuple(doc.get(key) or ())


def _put(out: JsonDict, key: str, value: Any) -> None:
    """Set ``key`` unless the value is absent (None or an empty tuple)."""
    if value is None or value == ():
        return
    out[key] = list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class EnvVar:
    name: str
    description: str
    required: bool = False
    secret: bool | None = None
    default: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> EnvVar:
        return cls(
            name=doc["name"],
            description=doc["description"],
            required=bool(doc.get("required", False)),
            secret=doc.get("secret"),
            default=doc.get("default"),
        )

    @property
    def is_secret(self) -> bool:
        return bool(self.secret)

    def to_document(self) -> JsonDict:
        out: JsonDict = {"name": self.name, "description": self.description}
        out["required"] = self.required
        _put(out, "secret", self.secret)
        _put(out, "default", self.default)
        return out


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    required: bool = False
    secret: bool | None = None
    default: str | None = None
    choices: tuple[str, ...] = ()

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Header:
        return cls(
            name=doc["name"],
            description=doc["description"],
            required=bool(doc.get("required", False)),
            secret=doc.get("secret"),
            default=doc.get("default"),
            choices=_tuple(doc, "choices"),
        )

    @property
    def is_secret(self) -> bool:
        return bool(self.secret)

    def to_document(self) -> JsonDict:
        out: JsonDict = {"name": self.name, "description": self.description}
        out["required"] = self.required
        _put(out, "secret", self.secret)
        _put(out, "default", self.default)
        _put(out, "choices", self.choices)
        return out


@dataclass(frozen=True)
class Mount:
    """A host folder a container needs (regup's own field): the user picks the folder, the
    snippets carry ``<name>`` for it and mount it at ``target``, read-only unless
    ``access`` is ``write``."""

    name: str
    description: str
    target: str
    access: str = "read"

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Mount:
        return cls(
            name=doc["name"],
            description=doc["description"],
            target=doc["target"],
            access=doc.get("access", "read"),
        )

    @property
    def read_only(self) -> bool:
        return self.access != "write"

    def to_document(self) -> JsonDict:
        out: JsonDict = {"name": self.name, "description": self.description}
        out["target"] = self.target
        if self.access != "read":
            out["access"] = self.access
        return out


@dataclass(frozen=True)
class Outbound:
    """Outbound network policy. All fields empty means: no network access."""

    allow_host: tuple[str, ...] = ()
    allow_port: tuple[int, ...] = ()
    insecure_allow_all: bool | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Outbound:
        return cls(
            allow_host=_tuple(doc, "allow_host"),
            allow_port=_tuple(doc, "allow_port"),
            insecure_allow_all=doc.get("insecure_allow_all"),
        )

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        _put(out, "allow_host", self.allow_host)
        _put(out, "allow_port", self.allow_port)
        _put(out, "insecure_allow_all", self.insecure_allow_all)
        return out


@dataclass(frozen=True)
class Permissions:
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    privileged: bool | None = None
    has_network: bool = False
    outbound: Outbound | None = None
    #: The permission profile's name (ToolHive's ``permissions.name``).
    name: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Permissions:
        network = doc.get("network")
        outbound = None
        if isinstance(network, Mapping) and isinstance(network.get("outbound"), Mapping):
            outbound = Outbound.from_document(network["outbound"])
        return cls(
            read=_tuple(doc, "read"),
            write=_tuple(doc, "write"),
            privileged=doc.get("privileged"),
            has_network=network is not None,
            outbound=outbound,
            name=doc.get("name"),
        )

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        _put(out, "name", self.name)
        _put(out, "read", self.read)
        _put(out, "write", self.write)
        _put(out, "privileged", self.privileged)
        if self.has_network:
            network: JsonDict = {}
            if self.outbound is not None:
                network["outbound"] = self.outbound.to_document()
            out["network"] = network
        return out


@dataclass(frozen=True)
class Attestation:
    predicate_type: str | None = None
    predicate: Any = None

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        _put(out, "predicate_type", self.predicate_type)
        _put(out, "predicate", self.predicate)
        return out


PROVENANCE_FIELDS = (
    "sigstore_url",
    "repository_uri",
    "repository_ref",
    "signer_identity",
    "runner_environment",
    "cert_issuer",
)


@dataclass(frozen=True)
class Provenance:
    sigstore_url: str | None = None
    repository_uri: str | None = None
    repository_ref: str | None = None
    signer_identity: str | None = None
    runner_environment: str | None = None
    cert_issuer: str | None = None
    attestation: Attestation | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Provenance:
        att = doc.get("attestation")
        return cls(
            **{k: doc.get(k) for k in PROVENANCE_FIELDS},
            attestation=(
                Attestation(att.get("predicate_type"), att.get("predicate"))
                if isinstance(att, Mapping)
                else None
            ),
        )

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        for key in PROVENANCE_FIELDS:
            _put(out, key, getattr(self, key))
        if self.attestation is not None:
            out["attestation"] = self.attestation.to_document()
        return out


@dataclass(frozen=True)
class OAuthConfig:
    issuer: str | None = None
    authorize_url: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    scopes: tuple[str, ...] = ()
    use_pkce: bool | None = None
    oauth_params: tuple[tuple[str, str], ...] = ()
    callback_port: int | None = None
    resource: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> OAuthConfig:
        return cls(
            issuer=doc.get("issuer"),
            authorize_url=doc.get("authorize_url"),
            token_url=doc.get("token_url"),
            client_id=doc.get("client_id"),
            scopes=_tuple(doc, "scopes"),
            use_pkce=doc.get("use_pkce"),
            oauth_params=tuple(sorted((doc.get("oauth_params") or {}).items())),
            callback_port=doc.get("callback_port"),
            resource=doc.get("resource"),
        )

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        for key in ("issuer", "authorize_url", "token_url", "client_id", "scopes", "use_pkce"):
            _put(out, key, getattr(self, key))
        if self.oauth_params:
            out["oauth_params"] = dict(self.oauth_params)
        _put(out, "callback_port", self.callback_port)
        _put(out, "resource", self.resource)
        return out


KUBERNETES_FIELDS = ("kind", "namespace", "name", "uid", "image", "transport")


@dataclass(frozen=True)
class Kubernetes:
    """Where ToolHive's operator runs the server (``metadata.kubernetes``)."""

    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    uid: str | None = None
    image: str | None = None
    transport: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Kubernetes:
        return cls(**{k: doc.get(k) for k in KUBERNETES_FIELDS})

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        for key in KUBERNETES_FIELDS:
            _put(out, key, getattr(self, key))
        return out


@dataclass(frozen=True)
class Metadata:
    stars: int | None = None
    pulls: int | None = None
    last_updated: str | None = None
    kubernetes: Kubernetes | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Metadata:
        kube = doc.get("kubernetes")
        return cls(
            doc.get("stars"),
            doc.get("pulls"),
            doc.get("last_updated"),
            Kubernetes.from_document(kube) if isinstance(kube, Mapping) else None,
        )

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        _put(out, "stars", self.stars)
        _put(out, "pulls", self.pulls)
        _put(out, "last_updated", self.last_updated)
        if self.kubernetes is not None:
            out["kubernetes"] = self.kubernetes.to_document()
        return out


@dataclass(frozen=True)
class Icon:
    src: str
    mime_type: str | None = None
    sizes: tuple[str, ...] = ()
    theme: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Icon:
        return cls(doc["src"], doc.get("mime_type"), _tuple(doc, "sizes"), doc.get("theme"))

    def to_document(self) -> JsonDict:
        out: JsonDict = {"src": self.src}
        _put(out, "mime_type", self.mime_type)
        _put(out, "sizes", self.sizes)
        _put(out, "theme", self.theme)
        return out


@dataclass(frozen=True)
class IconFile:
    """The icon file beside an entry (``icon.svg``, ...), as read and checked by
    :mod:`regup.iconfile`; the build publishes it with the catalog."""

    filename: str
    media_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Source:
    """Where a model came from: the file, and the position of every value in it."""

    path: Path
    display: str
    positions: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)


#: Keys of ``spec.yaml`` in their canonical order (the order of the README's examples).
ENTRY_KEYS: tuple[str, ...] = (
    "name",
    "namespace",
    "title",
    "description",
    "overview",
    "version",
    "tier",
    "status",
    "transport",
    "image",
    "url",
    "target_port",
    "proxy_port",
    "stateless",
    "repository_url",
    "website_url",
    "license",
    "tags",
    "tools",
    "tool_definitions",
    "env_vars",
    "headers",
    "args",
    "docker_tags",
    "permissions",
    "mounts",
    "oauth_config",
    "provenance",
    "icons",
    "examples",
    "metadata",
    "custom_metadata",
)

_VARIABLE_KEYS = ("name", "description", "required", "secret", "default", "choices")
#: Key order of nested mappings, by path (``*``: every item of a list); the order in which
#: the model's ``to_document`` writes them.
NESTED_ORDER: dict[tuple[str, ...], tuple[str, ...]] = {
    ("env_vars", "*"): _VARIABLE_KEYS,
    ("headers", "*"): _VARIABLE_KEYS,
    ("icons", "*"): ("src", "mime_type", "sizes", "theme"),
    ("mounts", "*"): ("name", "description", "target", "access"),
    ("permissions",): ("name", "read", "write", "privileged", "network"),
    ("permissions", "network", "outbound"): ("allow_host", "allow_port", "insecure_allow_all"),
    ("oauth_config",): (
        "issuer",
        "authorize_url",
        "token_url",
        "client_id",
        "scopes",
        "use_pkce",
        "oauth_params",
        "callback_port",
        "resource",
    ),
    ("provenance",): (*PROVENANCE_FIELDS, "attestation"),
    ("provenance", "attestation"): ("predicate_type", "predicate"),
    ("metadata",): ("stars", "pulls", "last_updated", "kubernetes"),
    ("metadata", "kubernetes"): KUBERNETES_FIELDS,
}

#: Keys regup adds to the ToolHive format; they never appear in ``registry.json``.
REGUP_ONLY_KEYS: frozenset[str] = frozenset(
    {"namespace", "version", "website_url", "license", "icons", "examples", "mounts"}
)


@dataclass(frozen=True)
class Entry:
    """One MCP server of the registry: a container (``image``) or remote (``url``) server."""

    name: str
    description: str
    tier: str
    status: str
    transport: str
    tools: tuple[str, ...]
    image: str | None = None
    url: str | None = None
    title: str | None = None
    overview: str | None = None
    version: str | None = None
    target_port: int | None = None
    proxy_port: int | None = None
    stateless: bool | None = None
    repository_url: str | None = None
    website_url: str | None = None
    license: str | None = None
    tags: tuple[str, ...] = ()
    tool_definitions: tuple[JsonDict, ...] = ()
    env_vars: tuple[EnvVar, ...] = ()
    headers: tuple[Header, ...] = ()
    args: tuple[str, ...] = ()
    docker_tags: tuple[str, ...] = ()
    permissions: Permissions | None = None
    mounts: tuple[Mount, ...] = ()
    oauth_config: OAuthConfig | None = None
    provenance: Provenance | None = None
    icons: tuple[Icon, ...] = ()
    examples: tuple[str, ...] = ()
    metadata: Metadata | None = None
    custom_metadata: JsonDict | None = field(default=None, hash=False)
    declared_name: bool = False
    #: The upstream namespace when it is not the registry's own: an entry authored as
    #: ``server.json`` names it (``<namespace>/<entry>``), a ``spec.yaml`` may state it;
    #: upstream outputs use it instead of the configured one.
    namespace: str | None = None
    #: The icon file beside the entry's file, published with the catalog and listed first
    #: in the upstream ``icons`` (:mod:`regup.iconfile`).
    icon_file: IconFile | None = None
    source: Source | None = field(default=None, compare=False, repr=False, hash=False)

    @classmethod
    def from_document(
        cls, name: str, doc: Mapping[str, Any], source: Source | None = None
    ) -> Entry:
        """Build an entry from a schema-valid document (the authored or ToolHive form)."""

        def sub(key: str, build: Any) -> Any:
            value = doc.get(key)
            return build(value) if isinstance(value, Mapping) else None

        return cls(
            name=name,
            declared_name="name" in doc,
            namespace=_opt(doc, "namespace"),
            description=doc["description"],
            tier=doc["tier"],
            status=doc["status"],
            transport=doc["transport"],
            tools=_tuple(doc, "tools"),
            image=_opt(doc, "image"),
            url=_opt(doc, "url"),
            title=_opt(doc, "title"),
            overview=_opt(doc, "overview"),
            version=_opt(doc, "version"),
            target_port=_opt(doc, "target_port"),
            proxy_port=_opt(doc, "proxy_port"),
            stateless=_opt(doc, "stateless"),
            repository_url=_opt(doc, "repository_url"),
            website_url=_opt(doc, "website_url"),
            license=_opt(doc, "license"),
            tags=_tuple(doc, "tags"),
            tool_definitions=_tuple(doc, "tool_definitions"),
            env_vars=tuple(EnvVar.from_document(e) for e in doc.get("env_vars") or ()),
            headers=tuple(Header.from_document(h) for h in doc.get("headers") or ()),
            args=_tuple(doc, "args"),
            docker_tags=_tuple(doc, "docker_tags"),
            permissions=sub("permissions", Permissions.from_document),
            mounts=tuple(Mount.from_document(m) for m in doc.get("mounts") or ()),
            oauth_config=sub("oauth_config", OAuthConfig.from_document),
            provenance=sub("provenance", Provenance.from_document),
            icons=tuple(Icon.from_document(i) for i in doc.get("icons") or ()),
            examples=_tuple(doc, "examples"),
            metadata=sub("metadata", Metadata.from_document),
            custom_metadata=doc.get("custom_metadata"),
            source=source,
        )

    @property
    def kind(self) -> Kind:
        return Kind.REMOTE if self.url is not None and self.image is None else Kind.CONTAINER

    @property
    def display_name(self) -> str:
        return self.title or self.name

    @property
    def deprecated(self) -> bool:
        """``status`` is kept as written: ToolHive writes ``Deprecated`` and ``deprecated``."""
        return self.status.lower() == "deprecated"

    @property
    def status_label(self) -> str:
        """``Active`` or ``Deprecated``, whichever case the entry wrote (registry.json's
        enum, the catalog's facet)."""
        return "Deprecated" if self.deprecated else "Active"

    @property
    def last_updated(self) -> str | None:
        return self.metadata.last_updated if self.metadata else None

    @property
    def stars(self) -> int | None:
        return self.metadata.stars if self.metadata else None

    @property
    def pulls(self) -> int | None:
        return self.metadata.pulls if self.metadata else None

    def to_document(self, *, include_name: bool | None = None) -> JsonDict:
        """The authored form of this entry, keys in :data:`ENTRY_KEYS` order."""
        values: JsonDict = {}
        if self.declared_name if include_name is None else include_name:
            values["name"] = self.name
        for key in ENTRY_KEYS[1:]:
            value = getattr(self, key)
            if key in {"env_vars", "headers", "icons", "mounts"}:
                value = tuple(v.to_document() for v in value)
            elif key == "tool_definitions":
                value = tuple(value)
            elif hasattr(value, "to_document"):
                value = value.to_document()
            _put(values, key, value)
        return values


@dataclass(frozen=True)
class Group:
    """A named bundle of entries (``registry/<name>/group.yaml``)."""

    name: str
    description: str
    servers: tuple[str, ...]
    title: str | None = None
    declared_name: bool = False
    source: Source | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_document(
        cls, name: str, doc: Mapping[str, Any], source: Source | None = None
    ) -> Group:
        return cls(
            name=name,
            description=doc["description"],
            servers=_tuple(doc, "servers"),
            title=doc.get("title"),
            declared_name="name" in doc,
            source=source,
        )

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        if self.declared_name:
            out["name"] = self.name
        _put(out, "title", self.title)
        out["description"] = self.description
        out["servers"] = list(self.servers)
        return out


# --- skills -------------------------------------------------------------------------------
#
# One agent skill, as toolhive-core's skill schema has it. Keys are ToolHive's
# (``allowedTools``, ``registryType``...), so a catalog ``skill.json`` is valid input and every
# output is that same payload. ``Skill.payload`` is the wire form (``data.skills[]`` of the
# upstream envelope, the skills API) with the namespace filled.

#: A skill's ``status`` values (ToolHive's, lowercase); ``active`` when absent.
STATUSES = ("active", "deprecated", "archived")
OCI, GIT = "oci", "git"

#: Keys of a skill in their canonical order (the order ToolHive's Go type writes them).
SKILL_KEYS: tuple[str, ...] = (
    "namespace",
    "name",
    "title",
    "description",
    "version",
    "status",
    "license",
    "compatibility",
    "allowedTools",
    "repository",
    "icons",
    "packages",
    "provenance",
    "metadata",
    "_meta",
)
#: What starts a skill's key in ``registry/provenance.json`` (see :meth:`Skill.state_key`).
SKILL_STATE_PREFIX = "skill:"
#: Keys of a skill's package, in ToolHive's order.
SKILL_PACKAGE_KEYS: tuple[str, ...] = (
    "registryType",
    "identifier",
    "digest",
    "mediaType",
    "url",
    "ref",
    "commit",
    "subfolder",
)

#: Nested keys of ``skill.yaml`` in their canonical order (``regup fmt``).
SKILL_NESTED_ORDER: dict[tuple[str, ...], tuple[str, ...]] = {
    ("repository",): ("url", "type"),
    ("icons", "*"): ("src", "size", "type", "label"),
    ("packages", "*"): SKILL_PACKAGE_KEYS,
    ("provenance",): PROVENANCE_FIELDS,
}


@dataclass(frozen=True)
class SkillPackage:
    """Where a skill is fetched: an OCI artifact (``identifier``) or a Git folder (``url``)."""

    registry_type: str
    identifier: str | None = None
    digest: str | None = None
    media_type: str | None = None
    url: str | None = None
    ref: str | None = None
    commit: str | None = None
    subfolder: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> SkillPackage:
        return cls(
            registry_type=doc["registryType"],
            identifier=doc.get("identifier"),
            digest=doc.get("digest"),
            media_type=doc.get("mediaType"),
            url=doc.get("url"),
            ref=doc.get("ref"),
            commit=doc.get("commit"),
            subfolder=doc.get("subfolder"),
        )

    def to_document(self) -> JsonDict:
        out: JsonDict = {}
        values = (
            self.registry_type,
            self.identifier,
            self.digest,
            self.media_type,
            self.url,
            self.ref,
            self.commit,
            self.subfolder,
        )
        for key, value in zip(SKILL_PACKAGE_KEYS, values, strict=True):
            _put(out, key, value)
        return out

    @property
    def is_oci(self) -> bool:
        return self.registry_type == OCI

    @property
    def reference(self) -> str:
        """What a person reads as the package: the OCI reference, or ``url@ref:subfolder``."""
        if self.is_oci:
            return self.identifier or ""
        text = self.url or ""
        if self.ref or self.commit:
            text += f"@{self.ref or self.commit}"
        if self.subfolder:
            text += f" ({self.subfolder})"
        return text


@dataclass(frozen=True)
class SkillIcon:
    src: str
    size: str | None = None
    type: str | None = None
    label: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> SkillIcon:
        return cls(doc["src"], doc.get("size"), doc.get("type"), doc.get("label"))

    def to_document(self) -> JsonDict:
        out: JsonDict = {"src": self.src}
        _put(out, "size", self.size)
        _put(out, "type", self.type)
        _put(out, "label", self.label)
        return out


@dataclass(frozen=True)
class SkillRepository:
    url: str
    type: str | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> SkillRepository:
        return cls(doc["url"], doc.get("type"))

    def to_document(self) -> JsonDict:
        out: JsonDict = {"url": self.url}
        _put(out, "type", self.type)
        return out


@dataclass(frozen=True)
class Skill:
    """One skill. ``namespace`` None means the registry's own (``regup.toml``)."""

    name: str
    description: str
    version: str
    namespace: str | None = None
    title: str | None = None
    status: str | None = None
    license: str | None = None
    compatibility: str | None = None
    allowed_tools: tuple[str, ...] = ()
    repository: SkillRepository | None = None
    icons: tuple[SkillIcon, ...] = ()
    packages: tuple[SkillPackage, ...] = ()
    #: Expected signer of the OCI artifact (identity fields of ``model.PROVENANCE_FIELDS``).
    provenance: tuple[tuple[str, str], ...] = ()
    metadata: JsonDict | None = field(default=None, hash=False)
    meta: JsonDict | None = field(default=None, hash=False)
    declared_name: bool = False
    source: Source | None = field(default=None, compare=False, repr=False, hash=False)

    @classmethod
    def from_document(
        cls, name: str, doc: Mapping[str, Any], source: Source | None = None
    ) -> Skill:
        """The skill of a document that passed the schema; ``name`` is the folder's."""
        repository = doc.get("repository")
        provenance = doc.get("provenance") or {}
        return cls(
            name=name,
            description=doc["description"],
            version=doc["version"],
            namespace=doc.get("namespace"),
            title=doc.get("title"),
            status=doc.get("status"),
            license=doc.get("license"),
            compatibility=doc.get("compatibility"),
            allowed_tools=tuple(doc.get("allowedTools") or ()),
            repository=(
                SkillRepository.from_document(repository)
                if isinstance(repository, Mapping)
                else None
            ),
            icons=tuple(SkillIcon.from_document(i) for i in doc.get("icons") or ()),
            packages=tuple(SkillPackage.from_document(p) for p in doc.get("packages") or ()),
            provenance=tuple((k, provenance[k]) for k in PROVENANCE_FIELDS if k in provenance),
            metadata=doc.get("metadata"),
            meta=doc.get("_meta"),
            declared_name="name" in doc,
            source=source,
        )

    @property
    def display_name(self) -> str:
        return self.title or self.name

    @property
    def effective_status(self) -> str:
        return self.status or STATUSES[0]

    @property
    def inactive(self) -> bool:
        """Deprecated or archived: listed, but marked and sorted last."""
        return self.effective_status != STATUSES[0]

    @property
    def oci_packages(self) -> tuple[SkillPackage, ...]:
        return tuple(p for p in self.packages if p.is_oci)

    @property
    def git_packages(self) -> tuple[SkillPackage, ...]:
        return tuple(p for p in self.packages if p.registry_type == GIT)

    def qualified_name(self, namespace: str) -> str:
        """``<namespace>/<name>``, the skill's key in the API (its own namespace first)."""
        return f"{self.namespace or namespace}/{self.name}"

    def state_key(self, namespace: str) -> str:
        """The skill's key in ``registry/provenance.json``: ``skill:<namespace>/<name>``,
        apart from the entries' names (a skill may share its name with a server)."""
        return f"{SKILL_STATE_PREFIX}{self.qualified_name(namespace)}"

    def to_document(self, *, include_name: bool | None = None) -> JsonDict:
        """The authored form; ``name`` only when it was written (or ``include_name``)."""
        out: JsonDict = {}
        _put(out, "namespace", self.namespace)
        if include_name if include_name is not None else self.declared_name:
            out["name"] = self.name
        _put(out, "title", self.title)
        out["description"] = self.description
        out["version"] = self.version
        _put(out, "status", self.status)
        _put(out, "license", self.license)
        _put(out, "compatibility", self.compatibility)
        _put(out, "allowedTools", self.allowed_tools)
        if self.repository is not None:
            out["repository"] = self.repository.to_document()
        if self.icons:
            out["icons"] = [i.to_document() for i in self.icons]
        if self.packages:
            out["packages"] = [p.to_document() for p in self.packages]
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        _put(out, "metadata", self.metadata)
        _put(out, "_meta", self.meta)
        return out

    def payload(self, namespace: str) -> JsonDict:
        """ToolHive's wire form (``registry/types.Skill``): namespace and name always set,
        ``status`` given (``active`` when not written), keys in ToolHive's order."""
        doc = self.to_document(include_name=True)
        doc["namespace"] = self.namespace or namespace
        doc["status"] = self.effective_status
        return {key: doc[key] for key in SKILL_KEYS if key in doc}


@dataclass(frozen=True)
class Registry:
    """All entries, groups and skills of a registry, sorted by name."""

    entries: tuple[Entry, ...]
    groups: tuple[Group, ...] = ()
    #: Agent skills (:mod:`regup.skill`), sorted by namespace (their own first) and name.
    skills: tuple[Skill, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(sorted(self.entries, key=lambda e: e.name)))
        object.__setattr__(self, "groups", tuple(sorted(self.groups, key=lambda g: g.name)))
        object.__setattr__(
            self, "skills", tuple(sorted(self.skills, key=lambda s: (s.namespace or "", s.name)))
        )

    def skill(self, name: str) -> Skill | None:
        """The skill called ``name`` (or ``namespace/name``), if the registry has one."""
        namespace, _, short = name.rpartition("/")
        return next(
            (
                s
                for s in self.skills
                if s.name == short and (not namespace or s.namespace in (None, namespace))
            ),
            None,
        )

    def entry(self, name: str) -> Entry | None:
        return self.by_name.get(name)

    @cached_property
    def by_name(self) -> dict[str, Entry]:
        """Entries by name (made once: the registry is immutable)."""
        return {e.name: e for e in self.entries}

    @property
    def containers(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind is Kind.CONTAINER)

    @property
    def remotes(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind is Kind.REMOTE)

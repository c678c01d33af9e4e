"""Identity policies: each provenance field an entry declares, as a small policy object.

Every policy implements sigstore's ``VerificationPolicy`` protocol (``verify(cert)`` raising
``sigstore.errors.VerificationError``), and the comparison itself is sigstore's own policy
class wherever one exists (``OIDCSourceRepositoryURI``, ``OIDCIssuerV2``…). What we add is
the detail: a failure is an :class:`IdentityMismatch` that says which field, what the entry
wants and what the certificate has. :class:`IdentityPolicy` combines the declared fields
with sigstore's ``AllOf`` and can also list every mismatch at once.

``signer_identity`` is compared the way ToolHive compares it: the certificate's SAN with
``@<ref>`` cut off and, for GitHub Actions certificates, the repository URI prefix removed
(``https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1`` →
``/.github/workflows/release.yml``).
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.x509 import (
    Certificate,
    ExtensionNotFound,
    ObjectIdentifier,
    RFC822Name,
    SubjectAlternativeName,
    UniformResourceIdentifier,
)
from sigstore.errors import VerificationError
from sigstore.verify import policy as sp

from regup.model import Provenance
from regup.provenance.state import Mismatch, Signer

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
_OID = "1.3.6.1.4.1.57264.1."
ISSUER_V1 = ObjectIdentifier(_OID + "1")
ISSUER_V2 = ObjectIdentifier(_OID + "8")
RUNNER_ENVIRONMENT = ObjectIdentifier(_OID + "11")
SOURCE_REPOSITORY_URI = ObjectIdentifier(_OID + "12")
SOURCE_REPOSITORY_REF = ObjectIdentifier(_OID + "14")


class IdentityMismatch(VerificationError):
    """A declared field the certificate does not match."""

    def __init__(self, mismatch: Mismatch) -> None:
        super().__init__(str(mismatch))
        self.mismatch = mismatch


def _raw_extension(cert: Certificate, oid: ObjectIdentifier) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_oid(oid).value
    except ExtensionNotFound:
        return None
    raw = getattr(value, "value", None)
    return raw if isinstance(raw, bytes) else None


def _der_string(raw: bytes) -> str | None:
    """The text of a DER UTF8String / IA5String / PrintableString (Fulcio's v2 encoding)."""
    if len(raw) < 2 or raw[0] not in (0x0C, 0x16, 0x13):
        return None
    length, offset = raw[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(raw[2 : 2 + count], "big"), 2 + count
    body = raw[offset : offset + length]
    if len(body) != length:
        return None
    try:
        return body.decode()
    except UnicodeDecodeError:
        return None


def extension_text(cert: Certificate, oid: ObjectIdentifier) -> str | None:
    """A Fulcio v2 extension's value (DER string), or ``None`` when absent or malformed."""
    raw = _raw_extension(cert, oid)
    return _der_string(raw) if raw is not None else None


def cert_issuer(cert: Certificate) -> str | None:
    """The OIDC issuer: the v2 extension (1.8), else the deprecated raw one (1.1)."""
    issuer = extension_text(cert, ISSUER_V2)
    if issuer is None:
        raw = _raw_extension(cert, ISSUER_V1)
        if raw is not None:
            try:
                issuer = raw.decode()
            except UnicodeDecodeError:
                issuer = None
    return issuer


def san(cert: Certificate) -> str | None:
    try:
        ext = cert.extensions.get_extension_for_class(SubjectAlternativeName).value
    except ExtensionNotFound:
        return None
    values = ext.get_values_for_type(UniformResourceIdentifier) + ext.get_values_for_type(
        RFC822Name
    )
    return values[0] if values else None


def signer_identity(cert: Certificate) -> str | None:
    """ToolHive's signer identity: SAN without ``@ref`` and, for GitHub, without the repo."""
    identity = san(cert)
    if identity is None:
        return None
    if cert_issuer(cert) != GITHUB_ISSUER:
        return identity
    repository = extension_text(cert, SOURCE_REPOSITORY_URI)
    if not repository:
        return None
    return identity.split("@", 1)[0].removeprefix(repository)


def signer_of(cert: Certificate) -> Signer:
    return Signer(
        identity=san(cert),
        issuer=cert_issuer(cert),
        repository_uri=extension_text(cert, SOURCE_REPOSITORY_URI),
        repository_ref=extension_text(cert, SOURCE_REPOSITORY_REF),
        runner_environment=extension_text(cert, RUNNER_ENVIRONMENT),
        signer_identity=signer_identity(cert),
    )


class FieldPolicy:
    """One declared field: ``check`` is sigstore's policy for it, ``read`` gets the value."""

    def __init__(
        self,
        field: str,
        wanted: str,
        read: Callable[[Certificate], str | None],
        check: sp.VerificationPolicy | None = None,
    ) -> None:
        self.field = field
        self.wanted = wanted
        self._read = read
        self._check = check

    def mismatch(self, cert: Certificate) -> Mismatch | None:
        try:
            if self._check is not None:
                self._check.verify(cert)
            elif self._read(cert) != self.wanted:
                raise VerificationError(self.field)
        except VerificationError:
            return Mismatch(self.field, self.wanted, self._read(cert))
        return None

    def verify(self, cert: Certificate) -> None:
        """Raises :class:`IdentityMismatch` when the certificate does not match."""
        found = self.mismatch(cert)
        if found is not None:
            raise IdentityMismatch(found)


def repository_uri(wanted: str) -> FieldPolicy:
    return FieldPolicy(
        "repository_uri",
        wanted,
        lambda c: extension_text(c, SOURCE_REPOSITORY_URI),
        sp.OIDCSourceRepositoryURI(wanted),
    )


def repository_ref(wanted: str) -> FieldPolicy:
    return FieldPolicy(
        "repository_ref",
        wanted,
        lambda c: extension_text(c, SOURCE_REPOSITORY_REF),
        sp.OIDCSourceRepositoryRef(wanted),
    )


def runner_environment(wanted: str) -> FieldPolicy:
    return FieldPolicy(
        "runner_environment",
        wanted,
        lambda c: extension_text(c, RUNNER_ENVIRONMENT),
        sp.OIDCRunnerEnvironment(wanted),
    )


def issuer(wanted: str) -> FieldPolicy:
    # Fulcio writes both encodings; old certificates only have the raw one (1.1).
    check = sp.AnyOf([sp.OIDCIssuerV2(wanted), sp.OIDCIssuer(wanted)])
    return FieldPolicy("cert_issuer", wanted, cert_issuer, check)


def signer(wanted: str) -> FieldPolicy:
    return FieldPolicy("signer_identity", wanted, signer_identity)


class IdentityPolicy:
    """All declared fields, combined with sigstore's ``AllOf``."""

    def __init__(self, children: list[FieldPolicy]) -> None:
        self.children = children
        self._all: sp.VerificationPolicy = sp.AllOf(list(children))

    @classmethod
    def from_provenance(cls, provenance: Provenance) -> IdentityPolicy:
        children: list[FieldPolicy] = []
        if provenance.repository_uri:
            children.append(repository_uri(provenance.repository_uri))
        if provenance.repository_ref:
            children.append(repository_ref(provenance.repository_ref))
        if provenance.signer_identity:
            children.append(signer(provenance.signer_identity))
        if provenance.runner_environment:
            children.append(runner_environment(provenance.runner_environment))
        if provenance.cert_issuer:
            children.append(issuer(provenance.cert_issuer))
        return cls(children)

    def verify(self, cert: Certificate) -> None:
        """Raises ``VerificationError`` (an :class:`IdentityMismatch`) on the first mismatch,
        and when no field is declared at all (an identity-free check proves nothing)."""
        self._all.verify(cert)

    def mismatches(self, cert: Certificate) -> list[Mismatch]:
        """Every declared field the certificate does not match (empty: all match)."""
        if not self.children:
            return [Mismatch("provenance", "at least one identity field", None)]
        return [m for m in (c.mismatch(cert) for c in self.children) if m is not None]

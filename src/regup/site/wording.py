"""What the catalog says in plain words: numbers, dates, the permission sentences, the
provenance badge and summary, the badges of a server."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from regup.checks import Outcome, ProvenanceCheck
from regup.iconfile import published_path
from regup.imageref import ImageRef, ImageRefError
from regup.model import Entry, Kind
from regup.site.pages import Badge, ProvenanceView

#: Label and tone (a CSS class) of each outcome's badge.
OUTCOME_LABELS: dict[Outcome, tuple[str, str]] = {
    Outcome.VERIFIED: ("Provenance verified", "good"),
    Outcome.MISMATCH: ("Provenance mismatch", "bad"),
    Outcome.INVALID: ("Signature invalid", "bad"),
    Outcome.UNSIGNED: ("Unsigned", "warn"),
    Outcome.NOT_DECLARED: ("No provenance declared", "neutral"),
    Outcome.UNSUPPORTED: ("Provenance unsupported", "neutral"),
    Outcome.ERROR: ("Provenance check failed", "warn"),
}


# --- formatting ----------------------------------------------------------------------------


def number(value: int | None, missing: str = "unavailable") -> str:
    return f"{value:,}" if value is not None else missing


def day(timestamp: str | None) -> str:
    return timestamp[:10] if timestamp else "unknown"


def join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _host_words(host: str) -> str:
    return f"any subdomain of {host[1:]}" if host.startswith(".") else host


def network_sentences(entry: Entry) -> tuple[str, ...]:
    """The entry's network access in plain words."""
    if entry.kind is Kind.REMOTE:
        host = urlsplit(entry.url or "").hostname or "the provider"
        return (f"Hosted by its provider: your client connects to {host} over HTTPS.",)
    perms = entry.permissions
    if perms is None:
        return ("No permission profile declared: ToolHive applies its default profile.",)
    out = perms.outbound
    if out is not None and out.insecure_allow_all:
        return ("Unrestricted network access: may connect to any host on any port.",)
    if out is None or (not out.allow_host and not out.allow_port):
        return ("No network access.",)
    ports = sorted(out.allow_port)
    if not ports:
        port_words = "on any port"
    elif len(ports) == 1:
        port_words = f"on port {ports[0]} only"
    else:
        port_words = f"on ports {join_words([str(p) for p in ports])} only"
    if out.allow_host:
        hosts = join_words([_host_words(h) for h in out.allow_host])
        return (f"May connect to {hosts} {port_words}.",)
    return (f"May connect to any host {port_words}.",)


def filesystem_sentences(entry: Entry) -> tuple[str, ...]:
    """The entry's filesystem access (and privileged mode) in plain words."""
    if entry.kind is Kind.REMOTE:
        return ("Runs elsewhere: no access to your files.",)
    perms = entry.permissions
    lines = []
    if perms is not None and perms.privileged:
        lines.append("Runs privileged: full access to the host.")
    if perms is not None and perms.read:
        lines.append(f"May read {join_words(list(perms.read))}.")
    if perms is not None and perms.write:
        lines.append(f"May write {join_words(list(perms.write))}.")
    for mount in entry.mounts:
        access = "read and write" if not mount.read_only else "read only"
        lines.append(
            f"Mounts a folder you choose (<{mount.name}>) at {mount.target}, {access}: "
            f"{mount.description}"
        )
    if not lines:
        lines.append("No access to host files.")
    return tuple(lines)


def needs_secrets(entry: Entry) -> bool:
    """True when the server cannot start without a secret (an env var or a header)."""
    env = any(v.required and v.is_secret for v in entry.env_vars)
    return env or any(h.required and h.is_secret for h in entry.headers)


def provenance_key(entry: Entry, status: ProvenanceCheck | None) -> str:
    """The value of the search filter ``provenance``."""
    if status is not None:
        return status.outcome.value
    if entry.kind is Kind.REMOTE:
        return "not applicable"
    return "declared" if entry.provenance is not None else "none"


def provenance_view(entry: Entry, status: ProvenanceCheck | None) -> ProvenanceView:
    """The stored check when present, else what the entry declares."""
    if status is not None:
        label, tone = OUTCOME_LABELS[status.outcome]
        rows = [
            (key, value)
            for key, value in (
                ("Signer", status.signer),
                ("Issuer", status.issuer),
                ("Repository", status.repository),
                (
                    "Transparency log index",
                    None if status.log_index is None else str(status.log_index),
                ),
                ("Checked", status.checked_at),
                ("Detail", status.detail),
            )
            if value
        ]
        summary = {
            Outcome.VERIFIED: "The image's signature was verified against the declared identity.",
            Outcome.MISMATCH: "The image is signed, but not by the identity the entry declares.",
            Outcome.INVALID: "The signature material attached to the image does not verify.",
            Outcome.UNSIGNED: "No signature was found for this image.",
            Outcome.NOT_DECLARED: "The entry declares no provenance to check.",
            Outcome.UNSUPPORTED: "This image's signing setup cannot be checked by regup.",
            Outcome.ERROR: "The last check could not complete; it will be retried.",
        }[status.outcome]
        return ProvenanceView(Badge(label, tone, status.outcome.value), summary, tuple(rows))
    if entry.kind is Kind.REMOTE:
        return ProvenanceView(
            Badge("Hosted", "neutral", "remote server"),
            "A remote server: there is no image to verify.",
            (),
        )
    p = entry.provenance
    if p is None:
        return ProvenanceView(
            Badge("No provenance declared", "neutral", "none"),
            "The entry declares no signing identity.",
            (),
        )
    rows = [
        (key, value)
        for key, value in (
            ("Signer", p.signer_identity),
            ("Issuer", p.cert_issuer),
            ("Repository", p.repository_uri),
            ("Ref", p.repository_ref),
            ("Runner", p.runner_environment),
            ("Sigstore", p.sigstore_url),
        )
        if value
    ]
    return ProvenanceView(
        Badge("Provenance declared", "info", "declared"),
        "The entry declares who builds and signs the image (not yet verified by this build).",
        tuple(rows),
    )


#: The badge of an image whose tag can move (``:latest`` or none).
FLOATING_TAG = Badge(
    "Floating tag",
    "warn",
    "the image is :latest or untagged, so what runs can change without a new version",
)


def floating_tag(entry: Entry) -> bool:
    """The entry's image has no fixed version: ``:latest``, no tag, and no digest."""
    if not entry.image:
        return False
    try:
        return ImageRef.parse(entry.image).is_latest_or_untagged
    except ImageRefError:
        return False


def basic_badges(entry: Entry) -> tuple[Badge, ...]:
    """Tier, status, transport and kind (and a floating image tag): the badges of a list
    item."""
    out = (
        Badge(entry.tier, "good" if entry.tier == "Official" else "neutral", "tier"),
        Badge(entry.status_label, "bad" if entry.deprecated else "good", "status"),
        Badge(entry.transport, "info", "transport"),
        Badge("Container" if entry.kind is Kind.CONTAINER else "Remote", "info", "kind"),
    )
    return (*out, FLOATING_TAG) if floating_tag(entry) else out


def stars(entry: Entry, shared_with: int, missing: str = "unavailable", short: bool = False) -> str:
    """The entry's stars, saying so when they are its repository's, shared by
    ``shared_with`` entries in all (a monorepo's stars are not this server's own);
    ``short`` for a list item."""
    text = number(entry.stars, missing)
    if shared_with < 2 or entry.stars is None:
        return text
    if short:
        return f"{text} (repository of {shared_with} entries)"
    return f"{text}, shared by the {shared_with} entries of the same repository"


def badges(entry: Entry, status: ProvenanceCheck | None) -> tuple[Badge, ...]:
    """Every badge of a server page: :func:`basic_badges` and provenance."""
    out = list(basic_badges(entry))
    if entry.kind is Kind.CONTAINER or status is not None:
        out.append(provenance_view(entry, status).badge)
    return tuple(out)


# --- the mark beside a name ---------------------------------------------------------------

#: Tints of a monogram: the tone classes whose colour pairs pass contrast in both themes.
TINTS = ("info", "good", "warn")
_WORD_START = re.compile(r"[^\W_]+")


def monogram(entry: Entry) -> str:
    """One or two letters for an entry without an icon: the initials of its first two
    words ("GitHub Remote" → "GR"), or the first two characters of a one-word name."""
    words: list[str] = _WORD_START.findall(entry.display_name) or _WORD_START.findall(entry.name)
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].capitalize()
    return (words[0][0] + words[1][0]).upper()


def tint(entry: Entry) -> str:
    """The monogram's tone, fixed by the entry's name (the same on every build)."""
    return TINTS[hashlib.sha256(entry.name.encode()).digest()[0] % len(TINTS)]


def icon_path(entry: Entry, base_url: str) -> str | None:
    """The site path of the entry's icon when it is published with this site (its URL is
    under ``base_url``, or it is the icon file beside the entry, which the build publishes);
    other icons are never loaded: pages load only their own files."""
    own = published_path(entry)
    if own is not None:
        return own
    if not base_url:
        return None
    prefix = base_url.rstrip("/") + "/"
    for icon in entry.icons:
        if icon.src.startswith(prefix) and icon.theme in (None, "light"):
            rest = icon.src[len(prefix) :]
            if rest and ".." not in rest.split("/"):
                return rest
    return None

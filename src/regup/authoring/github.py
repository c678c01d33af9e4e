"""What GitHub says about a repository, for ``regup new --from-github``.

The request goes through the one GitHub REST client (:func:`regup.enrich.github.rest_client`)
and the one retry and rate-limit loop (:func:`regup.enrich.transport.exchange`).

One request (``GET /repos/OWNER/REPO``) gives the description, the URL, the stars, the
license, the home page, the topics and the last push. ``api_url`` points at GitHub
Enterprise (``https://HOST/api/v3``) or, in tests, at a fake server on 127.0.0.1. A token
from ``GITHUB_TOKEN`` raises the rate limit but is never required.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from regup.enrich.github import rest_client
from regup.enrich.transport import Pacer, StopRefresh, Usage, exchange
from regup.errors import ConfigError, NetworkError, NotFoundError
from regup.repository import NotARepositoryError, parse_repository
from regup.timeutil import format_timestamp, parse_timestamp

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class RepoFacts:
    """The facts of one repository that an entry can use."""

    full_name: str
    html_url: str
    description: str | None
    stars: int
    license: str | None
    homepage: str | None
    topics: tuple[str, ...]
    pushed_at: str | None
    archived: bool

    @classmethod
    def from_rest(cls, data: Any) -> RepoFacts:
        """From a REST ``/repos/OWNER/REPO`` answer; raises ValueError on another shape."""
        if not isinstance(data, dict) or not isinstance(data.get("full_name"), str):
            raise ValueError("the answer is not a repository")
        license_info = data.get("license")
        spdx = license_info.get("spdx_id") if isinstance(license_info, dict) else None
        stars = data.get("stargazers_count")
        topics = data.get("topics")
        return cls(
            full_name=data["full_name"],
            html_url=str(data.get("html_url") or f"https://github.com/{data['full_name']}"),
            description=_text(data.get("description")),
            stars=stars if isinstance(stars, int) and not isinstance(stars, bool) else 0,
            # GitHub says NOASSERTION for a license file it cannot identify.
            license=spdx if isinstance(spdx, str) and spdx != "NOASSERTION" else None,
            homepage=_text(data.get("homepage")),
            topics=tuple(t for t in topics if isinstance(t, str))
            if isinstance(topics, list)
            else (),
            pushed_at=_timestamp(data.get("pushed_at")),
            archived=data.get("archived") is True,
        )


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _timestamp(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return format_timestamp(parse_timestamp(value))
    except ValueError:
        return None


def parse_owner_repo(text: str) -> str:
    """``OWNER/REPO`` from that form or a github.com URL (:func:`regup.repository.parse_repository`);
    raises :class:`ConfigError`."""
    try:
        return parse_repository(text).full_name
    except NotARepositoryError:
        raise ConfigError(
            f"{text!r} is not a GitHub repository; write OWNER/REPO, e.g. modelcontextprotocol/servers"
        ) from None


def fetch_repo_facts(
    owner_repo: str,
    *,
    api_url: str = DEFAULT_API_URL,
    token: str | None = None,
    timeout: float = 30.0,
) -> RepoFacts:
    """Ask GitHub about ``owner_repo``.

    Raises :class:`NotFoundError` when there is no such repository (or it is private),
    :class:`NetworkError` when GitHub cannot be reached, refuses the token or is rate
    limited, and :class:`ConfigError` for a malformed name.
    """
    name = parse_owner_repo(owner_repo)
    # One request: a rate limit is reported at once instead of waited for.
    pacer = Pacer(max_wait=0.0)
    try:
        with rest_client(api_url, token, timeout) as client:
            answer = exchange(
                client, "GET", f"repos/{name}", "GitHub", pacer, Usage(), json_on=frozenset({200})
            )
    except StopRefresh:
        raise NetworkError(
            "GitHub refused the request, probably its rate limit; set GITHUB_TOKEN or try "
            "again later"
        ) from None
    except NetworkError as exc:
        raise NetworkError(f"{exc} (GitHub at {api_url}; see --github-api)") from None
    if answer.status == 404:
        raise NotFoundError(
            f"GitHub ({api_url}) has no repository {name}; check the spelling "
            "(a private repository needs GITHUB_TOKEN)"
        )
    if answer.status == 401:
        raise NetworkError("GitHub refused the token in GITHUB_TOKEN (401); renew it or unset it")
    if answer.status in (403, 429):
        raise NetworkError(
            f"GitHub refused the request ({answer.status}), probably its rate limit; set "
            "GITHUB_TOKEN or try again later"
        )
    if answer.status != 200:
        raise NetworkError(f"GitHub answered {answer.status} for {name}; try again later")
    try:
        return RepoFacts.from_rest(answer.body)
    except ValueError as exc:
        raise NetworkError(f"GitHub's answer for {name} is not a repository ({exc})") from None

"""What GitHub says about a repository, for ``regup new --from-github`` (PyGithub).

One request (``GET /repos/OWNER/REPO``) gives the description, the URL, the stars, the
license, the home page, the topics and the last push. ``api_url`` points at GitHub
Enterprise (``https://HOST/api/v3``) or, in tests, at a fake server on 127.0.0.1. A token
from ``GITHUB_TOKEN`` raises the rate limit but is never required.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regup.errors import ConfigError, NetworkError, NotFoundError
from regup.net import USER_AGENT
from regup.repository import NotARepositoryError, parse_repository
from regup.timeutil import format_timestamp

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
    def from_repository(cls, repo: Any) -> RepoFacts:
        """From a PyGithub ``Repository`` (attributes read from the one response)."""
        spdx = getattr(repo.license, "spdx_id", None) if repo.license is not None else None
        pushed: datetime | None = repo.pushed_at
        return cls(
            full_name=str(repo.full_name),
            html_url=str(repo.html_url),
            description=(repo.description or "").strip() or None,
            stars=int(repo.stargazers_count or 0),
            # GitHub says NOASSERTION for a license file it cannot identify.
            license=spdx if isinstance(spdx, str) and spdx != "NOASSERTION" else None,
            homepage=(repo.homepage or "").strip() or None,
            topics=tuple(repo.topics or ()),
            pushed_at=format_timestamp(pushed) if pushed else None,
            archived=bool(repo.archived),
        )


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
    from github import Auth, Github, GithubException

    name = parse_owner_repo(owner_repo)
    client = Github(
        base_url=api_url.rstrip("/"),
        auth=Auth.Token(token) if token else None,
        timeout=int(timeout),
        retry=None,
        user_agent=USER_AGENT,
    )
    try:
        return RepoFacts.from_repository(client.get_repo(name))
    except GithubException as exc:
        if exc.status == 404:
            raise NotFoundError(
                f"GitHub ({api_url}) has no repository {name}; check the spelling "
                "(a private repository needs GITHUB_TOKEN)"
            ) from None
        if exc.status == 401:
            raise NetworkError(
                "GitHub refused the token in GITHUB_TOKEN (401); renew it or unset it"
            ) from None
        if exc.status in (403, 429):
            raise NetworkError(
                f"GitHub refused the request ({exc.status}), probably its rate limit; set "
                "GITHUB_TOKEN or try again later"
            ) from None
        raise NetworkError(f"GitHub answered {exc.status} for {name}; try again later") from None
    except Exception as exc:  # requests' connection errors and timeouts
        if type(exc).__module__.startswith(("requests", "urllib3")) or isinstance(exc, OSError):
            raise NetworkError(
                f"cannot reach GitHub at {api_url}: {type(exc).__name__}. Check the connection "
                "(or --github-api)"
            ) from None
        raise
    finally:
        client.close()

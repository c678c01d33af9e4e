"""Where each page of the catalog lives, relative to the site's root."""

from __future__ import annotations

PAGE_SIZE = 50
SORTS: dict[str, str] = {"name": "name", "stars": "stars", "updated": "last update"}
#: The browse filters; ``verified``, ``healthy`` and ``maintained`` come from the score card
#: (:data:`regup.scorecard.FILTERS`), with the values ``yes`` and ``no``.
FACETS: tuple[str, ...] = (
    "kind",
    "tier",
    "status",
    "transport",
    "verified",
    "healthy",
    "maintained",
    "tag",
)


def server_path(name: str) -> str:
    return f"servers/{name}/"


def facet_path(facet: str, value: str, page: int = 1) -> str:
    base = f"{facet}/{slug(value)}/"
    return base if page == 1 else f"{base}{page}/"


def browse_path(sort: str, page: int = 1) -> str:
    return f"browse/{sort}/" if page == 1 else f"browse/{sort}/{page}/"


def group_path(name: str) -> str:
    return f"groups/{name}/"


#: The list of every skill.
SKILLS_PATH = "skills/"
#: Filters of the skills list: status and licence (``skill-status/active/``).
SKILL_FACETS: tuple[str, ...] = ("status", "license")


def skill_path(name: str, namespace: str | None = None) -> str:
    """``skills/<name>/`` for a skill of the registry's namespace, ``skills/<namespace>/<name>/``
    for another's (a namespace has a dot, a skill name none: the two never meet)."""
    return f"skills/{name}/" if namespace is None else f"skills/{namespace}/{name}/"


def skill_filter_path(facet: str, value: str) -> str:
    return f"skill-{facet}/{slug(value)}/"


def slug(value: str) -> str:
    return value.lower()


def root_of(path: str) -> str:
    """The relative prefix from the page at ``path`` (a folder, ``a/b/``) back to the root."""
    return "../" * path.count("/")


#: The words the search page corrects typos against and suggests from (fetched only when a
#: query finds nothing), beside the search page.
WORDS_FILE = "search/words.json"
#: The page of every server with its tags and tools, where search forms land without
#: JavaScript (with it, they go to the search page).
EVERY_PATH = "search/every/"

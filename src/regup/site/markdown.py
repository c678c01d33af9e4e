"""Entry Markdown (``overview``) as safe HTML: the only place site text becomes markup.

markdown-it-pyrs (the Rust port of markdown-it, about 25 times faster than markdown-it-py
with the same output) renders CommonMark and tables with raw HTML turned off (HTML in the
text stays visible as text), then nh3 (the Ammonia sanitiser) keeps only a small set of
formatting tags and ``http``/``https`` links. Images are dropped: the catalog never makes a request to another
host, and a picture from the data could be one.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it_pyrs import MarkdownIt
from markupsafe import Markup

#: Tags an overview may produce; everything else is removed, keeping its text.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
#: Link schemes that survive; relative links (which would point into the catalog) do not.
ALLOWED_SCHEMES: frozenset[str] = frozenset({"http", "https"})
LINK_REL = "nofollow noopener noreferrer"


#: CommonMark's syntax and tables, without ``html_block``/``html_inline``: a <script> in the
#: data is text, not a tag, before the sanitiser even runs.
SYNTAX = (
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
    "reference", "autolink", "backticks", "emphasis", "entity", "escape", "image", "link",
    "newline", "table",
)  # fmt: skip


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero")
    for name in SYNTAX:
        parser.enable(name)  # type: ignore[arg-type]  # the stub's plugin Literal is private
    return parser


@cache
def _cleaner() -> nh3.Cleaner:
    # Built once: setting up the sanitiser costs more than cleaning one overview.
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes=set(ALLOWED_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
    )


def _shift_headings(html: str) -> str:
    # The page owns h1/h2; an overview's headings start at h3.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return html


def render_markdown(text: str) -> Markup:
    """``text`` (Markdown) as sanitised HTML, safe to put into a page unescaped."""
    html = _shift_headings(_parser().render(text))
    return Markup(_cleaner().clean(html))  # noqa: S704 - sanitised above

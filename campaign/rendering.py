"""Markdown rendering for untrusted text (guidelines, prompts, model responses).

Model responses are arbitrary text from arbitrary systems: Markdown is parsed with raw HTML
disabled (HTML in the source is escaped and shown as text), and the result passes through nh3,
an allow-list sanitiser, so nothing executable reaches the page.

Prompts and responses are rendered once and stored (campaign.rendered_texts); a small
per-process cache serves the campaign guidelines, rendered on every campaign and annotate page.
markdown-it-py is about twice as fast as Python-Markdown here.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
# The cache holds campaign guidelines (one text per campaign, on every campaign page); a long
# text is rendered every time rather than held in every worker.
CACHED_TEXT_CHARS = 20_000
CACHE_ENTRIES = 256

_parser = MarkdownIt("commonmark", {"html": False, "breaks": False}).enable(
    ["table", "strikethrough"]
)
# markdown-it leaves a link with a scheme it distrusts as literal "[text](javascript:...)";
# let it build the link and have nh3 (the single place that decides on URLs) drop the href.
_parser.validateLink = lambda url: True


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML: code blocks kept, raw HTML in the source shown as text."""
    if len(text) <= CACHED_TEXT_CHARS:
        return _render_cached(text)
    return markdown_html(text)


@lru_cache(maxsize=CACHE_ENTRIES)
def _render_cached(text: str) -> str:
    return markdown_html(text)


def markdown_html(text: str) -> str:
    """As render_markdown, never cached: what it costs does not depend on what came before."""
    return nh3.clean(
        _parser.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        # Table alignment arrives as style="text-align:…"; nothing else may style the page.
        filter_style_properties={"text-align"},
    )

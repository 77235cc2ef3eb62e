"""Markdown rendering for untrusted text (guidelines, prompts, model responses).

Model responses are arbitrary text from arbitrary systems: the HTML that Markdown produces is
passed through nh3 (an allow-list sanitiser) so nothing executable reaches the page.
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML: code blocks kept, raw HTML in the source shown as text."""
    converter = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"])
    # Without the raw-HTML processors Markdown escapes any HTML in the source, so a response
    # containing "<script>" is displayed as those characters; nh3 is the second line of defence.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    html = converter.convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )

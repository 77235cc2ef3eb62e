"""Template filters: presentation only, no business rules."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from campaign.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - sanitised by nh3


@register.simple_tag(takes_context=True)
def signup_open(context: template.Context) -> bool:
    """Whether any campaign takes sign-ups now (the rule: the account adapter's)."""
    from allauth.account.adapter import get_adapter

    request = context.get("request")
    return request is not None and bool(get_adapter(request).is_open_for_signup(request))

"""The item fragment a fetch gets after judging or skipping, from _item.html compiled once.

Django's engine walks _item.html's nodes on every judge request, with a RequestContext and
its context processors: that cost more CPU than any statement of the request
(bench/judge_cost.py). Yet one item's fragment differs from the next only in a few values: the
counts, the notice, the key, the three texts, the forms' URLs and parts, the CSRF token. So
the template is rendered once per shape (whether there is a notice, whether anything was
skipped, whether there is a milestone: its only branches on these values) with a marker in
each value's place and cut at the markers; a request fills the slots with its values,
escaped as the template escapes them. Nothing else varies, so a gold item's fragment is
built exactly as a regular one's.

Each shape checks itself once: the slots filled with sample values (markup, quotes and
ampersands included) must give what the engine renders from the same values, else that
shape is rendered by the engine every time. A fragment with a posted form's errors, or
without an item, is always rendered by the engine.
"""

from __future__ import annotations

import functools
import re
import uuid
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

TEMPLATE = "campaign/_item.html"
# The context keys _item.html reads as plain values and the item's fields it reads.
_VALUES = (
    "notice",
    "goal",
    "goal_percent",
    "item_number",
    "judge_url",
    "skip_url",
    "scale",
    "judge_fields",
    "skip_fields",
    "csrf_token",
)
_ITEM_FIELDS = ("key", "prompt_html", "left_html", "right_html")
_PROGRESS_FIELDS = ("judged", "skipped")
_MARKER = re.compile(r"\x00(\w+)\x00")


def item_fragment(request: HttpRequest, context: dict[str, Any]) -> str:
    """_item.html rendered for ``request`` from the views' item context."""
    if any(context.get(name) for name in ("skip_form", "preview")) or context["item"] is None:
        return render_to_string(TEMPLATE, context, request)
    shape = (bool(context["notice"]), bool(context["progress"].skipped), bool(context["goal"]))
    frame = _frame(*shape)
    if frame is None:
        return render_to_string(TEMPLATE, context, request)
    return _fill(frame, _slot_values(context, get_token(request)))


def _slot_values(context: dict[str, Any], csrf_token: str) -> dict[str, Any]:
    item, progress = context["item"], context["progress"]
    values = {name: context[name] for name in _VALUES if name != "csrf_token"}
    values["csrf_token"] = csrf_token
    values.update((f"item_{name}", getattr(item, name)) for name in _ITEM_FIELDS)
    values.update((f"progress_{name}", getattr(progress, name)) for name in _PROGRESS_FIELDS)
    return values


def _fill(frame: tuple[tuple[str, ...], tuple[str, ...]], values: dict[str, Any]) -> str:
    texts, slots = frame
    parts = [texts[0]]
    for slot, text in zip(slots, texts[1:], strict=True):
        value = values[slot]
        # As the template prints a value (localisation is off in _item.html): text, escaped
        # unless marked safe.
        parts.append(conditional_escape(value if isinstance(value, str) else str(value)))
        parts.append(text)
    return "".join(parts)


@functools.lru_cache(maxsize=4)
def _frame(
    notice: bool, skipped: bool, goal: bool
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The fragment's text cut at its slots (texts, slot names between them); None when
    the engine must render this shape (its trial fill did not match)."""

    def marker(name: str) -> SafeString:
        return SafeString(f"\x00{name}\x00")

    shape = {"notice": notice, "skipped": skipped, "goal": goal}
    pieces = _MARKER.split(get_template(TEMPLATE).render(_context(marker, **shape)))
    frame = (tuple(pieces[0::2]), tuple(pieces[1::2]))
    sample = _context(_sample, **shape)
    values = _slot_values(sample, sample["csrf_token"])
    if not set(frame[1]) <= values.keys():  # a marker changed on its way (a filter, say)
        return None
    return frame if _fill(frame, values) == get_template(TEMPLATE).render(sample) else None


def _context(value: Any, *, notice: bool, skipped: bool, goal: bool) -> dict[str, Any]:
    """A context of the views' shape whose every slot holds ``value(slot name)``, but for
    the values the shape says are empty."""
    context = {name: value(name) for name in _VALUES}
    if not notice:
        context["notice"] = None
    if not goal:
        context["goal"] = 0
    item = {name: value(f"item_{name}") for name in _ITEM_FIELDS}
    progress = {name: value(f"progress_{name}") for name in _PROGRESS_FIELDS}
    if not skipped:
        progress["skipped"] = 0
    context.update(
        item=SimpleNamespace(**item), progress=SimpleNamespace(**progress), skip_form=None
    )
    return context


def _sample(name: str) -> Any:
    """A value for the trial fill that escaping would change, where the slot takes text."""
    if name in ("progress_judged", "progress_skipped", "goal", "goal_percent", "item_number"):
        return 1_000_000 + len(name)  # an integer, as the views give, of seven digits
    if name == "item_key":
        return uuid.UUID(int=len(name))
    if name.endswith("_html") or name in ("scale", "judge_fields", "skip_fields"):
        return SafeString(f"<p class=\"{name}\">&amp; 'safe'</p>")
    return f"<{name}> & \"quoted\" 'text'"

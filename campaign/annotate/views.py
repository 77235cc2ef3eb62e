"""Participant pages: start, annotate (page and fetch fragment), judge, skip, my progress.

Each view parses, calls a service from campaign.participants.enrolment / assignment / judgments and
renders. The page speaks only of "left" and "right": which of the comparison's responses is
which, the contenders behind them and whether a comparison is gold never reach a template.
With JavaScript the judge and skip forms are POSTed by fetch and answered with the next item
as an HTML fragment; without it they are plain forms answered by a redirect (POST/redirect/GET).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from campaign import limits
from campaign.annotate.forms import (
    SKIP_DETAIL_MAX_CHARS,
    SKIP_REASONS,
    JudgmentForm,
    PostedJudgment,
    SkipForm,
    posted_judgment,
)
from campaign.annotate.fragment import item_fragment
from campaign.annotate.judging import (
    Outcome,
    allowed_choices,
    current_outcome,
    judge_and_next,
    skip_and_next,
)
from campaign.exceptions import CampaignError, LeaseNotFound, NotEnrolled
from campaign.models import Assignment, Campaign, Comparison, Enrollment, TrustState
from campaign.participants.enrolment import enroll_self, get_participation
from campaign.participants.progress import progress_of
from campaign.selectors import comparison_html, get_visible_campaign, is_organiser

FETCH_HEADER = "X-Requested-With"
FETCH_VALUE = "fetch"
# The progress bar fills towards the next round number: a soft goal, not a quota.
MILESTONE = 10
FIRST_VERDICT_STANDS = (
    "You had already judged this item (in another tab or window?); your first verdict stands."
)


@dataclass(frozen=True)
class ItemDisplay:
    """One assignment as the participant sees it: texts placed left and right, nothing else."""

    key: uuid.UUID
    prompt_html: SafeString
    left_html: SafeString
    right_html: SafeString


@dataclass(frozen=True)
class ScaleOption:
    number: int  # the key that chooses it, 1 = leftmost
    value: int  # the on-screen verdict sent to submit_judgment
    label: str
    stacked_label: str  # Top/Bottom instead of Left/Right, for stacked cards on a phone
    checked: bool


def item_display(assignment: Assignment) -> ItemDisplay:
    texts = assignment.shown_html or comparison_html(assignment.comparison_id)
    prompt_html, a_html, b_html = texts
    left, right = a_html, b_html
    if assignment.left_side == Comparison.Side.B:
        left, right = right, left
    return ItemDisplay(
        key=assignment.key, prompt_html=prompt_html, left_html=left, right_html=right
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_visible_campaign(slug, request.user)
    try:
        enroll_self(user=request.user, campaign=campaign)
    except CampaignError as error:
        messages.error(request, str(error))
        return redirect("campaign:detail", slug=campaign.slug)
    return redirect("campaign:annotate", slug=campaign.slug)


@never_cache
@login_required
@require_GET
def annotate(request: HttpRequest, slug: str) -> HttpResponse:
    enrollment = _participation_or_none(request, slug)
    if enrollment is None:
        return _not_enrolled(request, slug)
    outcome = _current_outcome(enrollment)
    return render(request, "campaign/annotate.html", _item_context(outcome))


@login_required
def judge(request: HttpRequest, slug: str, key: uuid.UUID) -> HttpResponse:
    if request.method != "POST":
        return _back_to_annotate(slug)
    enrollment = _participation(request, slug)
    campaign = enrollment.campaign
    choices, require_rationale = allowed_choices(campaign), campaign.require_rationale
    posted = posted_judgment(request.POST, choices=choices, require_rationale=require_rationale)
    if posted is None:  # the form says what is wrong (or, should it accept, what it read)
        form = JudgmentForm(request.POST, choices=choices, require_rationale=require_rationale)
        if not form.is_valid():
            return _answer_invalid(request, enrollment, key=key, form=form)
        posted = PostedJudgment(**form.cleaned_data)
    try:
        outcome = judge_and_next(
            enrollment=enrollment,
            assignment_key=key,
            choice=posted.choice,
            rationale=posted.rationale,
            seconds=posted.seconds,
        )
    except LeaseNotFound:
        raise Http404("No such item.") from None
    except CampaignError as error:
        return _answer_refused(request, enrollment, notice=str(error))
    notice = FIRST_VERDICT_STANDS if outcome.first_verdict_stands else None
    return _answer(request, enrollment, outcome, notice=notice)


@login_required
def skip(request: HttpRequest, slug: str, key: uuid.UUID) -> HttpResponse:
    if request.method != "POST":
        return _back_to_annotate(slug)
    enrollment = _participation(request, slug)
    form = SkipForm(request.POST)
    if not form.is_valid():
        return _answer_invalid(request, enrollment, key=key, skip_form=form)
    try:
        outcome = skip_and_next(
            enrollment=enrollment, assignment_key=key, reason=form.reason_text()
        )
    except LeaseNotFound:
        raise Http404("No such item.") from None
    except CampaignError as error:
        return _answer_refused(request, enrollment, notice=str(error))
    return _answer(request, enrollment, outcome, notice="Skipped. Thanks for flagging it.")


# --- helpers -------------------------------------------------------------------------------


def _back_to_annotate(slug: str) -> HttpResponse:
    # A GET here comes from the login page: the session ended while an item was on screen, and
    # login's ?next= points at the form's action. The annotate page resumes the same item.
    return redirect("campaign:annotate", slug=slug)


def _is_fetch(request: HttpRequest) -> bool:
    return request.headers.get(FETCH_HEADER) == FETCH_VALUE


def _participation(request: HttpRequest, slug: str) -> Enrollment:
    """For POSTs: someone who is not a participant gets a plain 404, as for a wrong key."""
    try:
        return get_participation(slug=slug, user=request.user)
    except NotEnrolled:
        raise Http404("No such item.") from None


def _participation_or_none(request: HttpRequest, slug: str) -> Enrollment | None:
    try:
        return get_participation(slug=slug, user=request.user)
    except NotEnrolled:
        return None


def _not_enrolled(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_visible_campaign(slug, request.user)
    context = {"campaign": campaign, "is_organiser": is_organiser(request.user, campaign)}
    return render(request, "campaign/not_enrolled.html", context, status=403)


def _answer(
    request: HttpRequest, enrollment: Enrollment, outcome: Outcome, *, notice: str | None
) -> HttpResponse:
    """After a judgment or skip: the next item as a fragment (fetch) or a redirect (form)."""
    if _is_fetch(request):
        return HttpResponse(item_fragment(request, _item_context(outcome, notice=notice)))
    if notice:
        messages.info(request, notice)
    return redirect("campaign:annotate", slug=enrollment.campaign.slug)


def _answer_refused(request: HttpRequest, enrollment: Enrollment, *, notice: str) -> HttpResponse:
    """The judgment or skip was refused (its transaction rolled back): say why, show the next."""
    if not _is_fetch(request):
        messages.info(request, notice)
        return redirect("campaign:annotate", slug=enrollment.campaign.slug)
    outcome = _current_outcome(enrollment)
    return HttpResponse(item_fragment(request, _item_context(outcome, notice=notice)))


def _answer_invalid(
    request: HttpRequest,
    enrollment: Enrollment,
    *,
    key: uuid.UUID,
    form: JudgmentForm | None = None,
    skip_form: SkipForm | None = None,
) -> HttpResponse:
    """The same item again with the form's errors, its entries kept (422 for both clients)."""
    outcome = _current_outcome(enrollment)
    context = _item_context(outcome, form=form, skip_form=skip_form, posted_key=key)
    template = "campaign/_item.html" if _is_fetch(request) else "campaign/annotate.html"
    return render(request, template, context, status=422)


def _current_outcome(enrollment: Enrollment) -> Outcome:
    try:
        return current_outcome(enrollment)
    except CampaignError as error:  # e.g. no longer enrolled since the page was opened
        return Outcome(enrollment, next_assignment=None, halted=str(error))


def _item_context(
    outcome: Outcome,
    *,
    notice: str | None = None,
    form: JudgmentForm | None = None,
    skip_form: SkipForm | None = None,
    posted_key: uuid.UUID | None = None,
) -> dict[str, Any]:
    enrollment = outcome.enrollment
    campaign = enrollment.campaign
    assignment = outcome.next_assignment
    item = item_display(assignment) if assignment is not None else None
    if item is None or item.key != posted_key:
        # Entries typed for another item (an expired lease, a stale tab) must not carry over.
        form, skip_form = None, None
    counts = progress_of(enrollment)
    goal = (counts.judged // MILESTONE + 1) * MILESTONE
    return {
        "campaign": campaign,
        "item": item,
        "halted": outcome.halted,
        "notice": notice,
        "skip_form": skip_form,
        **(item_actions(campaign.slug, item.key) if item is not None else {}),
        **form_chrome(campaign, form=form, skip_form=skip_form),
        "progress": counts,
        "item_number": counts.judged + counts.skipped + 1,
        "goal": goal,
        "goal_percent": round(100 * counts.judged / goal),
        "qualifying": _qualifying(enrollment),
    }


def _qualifying(enrollment: Enrollment) -> bool:
    """Whether to tell the participant their votes do not count yet (checks still to come)."""
    campaign = enrollment.campaign
    checks = campaign.min_gold_seen and (campaign.qualification_gold or campaign.gold_rate)
    return bool(checks) and enrollment.standing == TrustState.QUALIFYING


def stacked_wording(label: str) -> str:
    """A verdict's label for narrow screens, where the responses stack top and bottom."""
    return label.replace("Left", "Top").replace("Right", "Bottom")


def item_actions(slug: str, key: uuid.UUID) -> dict[str, str]:
    """The judge and skip forms' URLs for one item (``judge_url``, ``skip_url``)."""
    return {f"{name}_url": _item_url(name, slug, key) for name in ("judge", "skip")}


def _item_url(name: str, slug: str, key: uuid.UUID) -> str:
    # reverse() once per campaign, then the key put in its place: reversing both URLs cost
    # a judge request more CPU than rendering the rest of its fragment.
    pattern = _item_url_pattern(name, slug, get_script_prefix())
    if pattern is None:
        return reverse(f"campaign:{name}", args=[slug, key])
    before, after = pattern
    return f"{before}{key}{after}"


@lru_cache(maxsize=256)
def _item_url_pattern(name: str, slug: str, prefix: str) -> tuple[str, str] | None:
    """The item's URL split around its key, or None if that is ambiguous (a slug that spells
    the placeholder key)."""
    del prefix  # a cache key: reverse() reads the request's script prefix itself
    url = reverse(f"campaign:{name}", args=[slug, _KEY_PLACEHOLDER])
    if url.count(str(_KEY_PLACEHOLDER)) != 1:
        return None
    before, _placeholder, after = url.partition(str(_KEY_PLACEHOLDER))
    return before, after


_KEY_PLACEHOLDER = uuid.UUID(int=0)


def form_chrome(
    campaign: Campaign, *, form: JudgmentForm | None, skip_form: SkipForm | None
) -> dict[str, Any]:
    """The judge and skip forms' parts that depend on the campaign's settings only.

    Rendered once per process and setting, unless a posted form's entries and errors must be
    shown again: they are the same for every item, and rendering them per request cost more
    CPU than the rest of the fragment.
    """
    chosen = form.data.get("choice") if form is not None else None
    choices = tuple(allowed_choices(campaign))
    require_rationale = campaign.require_rationale
    return {
        "scale": scale_html(choices, chosen if isinstance(chosen, str) else None),
        "judge_fields": (
            judge_fields(require_rationale)
            if form is None
            else _judge_fields_html(require_rationale, form)
        ),
        "skip_fields": skip_fields() if skip_form is None else _skip_fields_html(skip_form),
    }


@lru_cache(maxsize=64)
def scale_html(choices: tuple[tuple[int, str], ...], chosen: str | None) -> SafeString:
    """The verdict scale's radio buttons; ``chosen`` (a posted value) is checked."""
    # Cached per value too: a posted value is one of a scale's few or refused by the form, and
    # anything else (a forged value) checks nothing, so it is rendered as None is.
    if chosen is not None and chosen not in {str(value) for value, _label in choices}:
        chosen = None
    options = scale_options(list(choices), chosen)
    return SafeString(render_to_string("campaign/_scale.html", {"options": options}))


@lru_cache(maxsize=2)
def judge_fields(require_rationale: bool) -> SafeString:
    """The judge form after its scale (rationale, time spent, submit), nothing posted."""
    return _judge_fields_html(require_rationale, None)


def _judge_fields_html(require_rationale: bool, form: JudgmentForm | None) -> SafeString:
    context = {
        "form": form,
        "require_rationale": require_rationale,
        "rationale_max_chars": limits.RATIONALE_MAX_CHARS,
    }
    return SafeString(render_to_string("campaign/_judge_fields.html", context))


@lru_cache(maxsize=1)
def skip_fields() -> SafeString:
    """The skip form's reasons, details and button, nothing posted."""
    return _skip_fields_html(None)


def _skip_fields_html(skip_form: SkipForm | None) -> SafeString:
    reason = skip_form.data.get("reason") if skip_form is not None else None
    context = {
        "skip_form": skip_form,
        "skip_reasons": SKIP_REASONS,
        "chosen": reason if reason in dict(SKIP_REASONS) else None,
        "detail_max_chars": SKIP_DETAIL_MAX_CHARS,
    }
    return SafeString(render_to_string("campaign/_skip_fields.html", context))


def scale_options(choices: list[tuple[int, str]], chosen: str | None) -> list[ScaleOption]:
    return [
        ScaleOption(
            number=number,
            value=value,
            label=label,
            stacked_label=stacked_wording(label),
            checked=str(value) == chosen,
        )
        for number, (value, label) in enumerate(choices, start=1)
    ]

"""The item fragment filled into _item.html's compiled frame is what Django's engine renders."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template import engines
from django.template.loader import render_to_string

from campaign.annotate import fragment
from campaign.annotate.judging import current_outcome
from campaign.annotate.views import _item_context
from campaign.participants.enrolment import get_participation
from tests.builders import make_judgeable_campaign, make_participant

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SECRET = "s" * 32  # the CSRF cookie's secret, as CsrfViewMiddleware leaves it in META


@pytest.fixture(autouse=True)
def fresh_frames():
    fragment._frame.cache_clear()
    yield
    fragment._frame.cache_clear()


def item_context(*, judged: int, skipped: int, notice: str | None) -> dict:
    campaign = make_judgeable_campaign("frame", regular=3)
    enrollment = get_participation(slug="frame", user=make_participant(campaign))
    outcome = current_outcome(enrollment)
    outcome.enrollment.judged, outcome.enrollment.skipped = judged, skipped
    return _item_context(outcome, notice=notice)


def csrf_request(rf):
    request = rf.post("/")
    request.META["CSRF_COOKIE"] = SECRET
    return request


def tokens(html: str) -> list[str]:
    return [_unmask_cipher_token(token) for token in TOKEN.findall(html)]


@pytest.mark.parametrize("notice", [None, "Skipped. <b>Thanks</b> & 'more' \"quoted\""])
@pytest.mark.parametrize("skipped", [0, 3])
@pytest.mark.parametrize("judged", [0, 1_234_567])
def test_each_shape_is_filled_from_its_frame_as_the_engine_renders_it(rf, judged, skipped, notice):
    context = item_context(judged=judged, skipped=skipped, notice=notice)
    request = csrf_request(rf)
    filled = fragment.item_fragment(request, context)
    assert fragment._frame(bool(notice), bool(skipped), True) is not None  # not the engine
    rendered = render_to_string(fragment.TEMPLATE, context, request)
    # The tokens are masked afresh on each rendering; both stand for the cookie's secret.
    assert tokens(filled) == tokens(rendered) == [SECRET, SECRET]
    assert TOKEN.sub("TOKEN", filled) == TOKEN.sub("TOKEN", rendered)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]  # the cookie is renewed, as by the engine


def test_a_template_whose_markers_do_not_come_through_is_rendered_by_the_engine(rf, monkeypatch):
    # A filter on a value changes its marker: that shape has no frame, and the engine renders.
    changed = engines["django"].from_string("{{ notice|upper }} {{ item.key }}")
    monkeypatch.setattr(fragment, "get_template", lambda name: changed)
    context = item_context(judged=1, skipped=0, notice="Skipped.")
    request = csrf_request(rf)
    assert fragment._frame(True, False, True) is None
    filled = fragment.item_fragment(request, context)
    assert TOKEN.sub("TOKEN", filled) == TOKEN.sub(
        "TOKEN", render_to_string(fragment.TEMPLATE, context, request)
    )


def test_a_template_whose_trial_fill_differs_is_rendered_by_the_engine(monkeypatch):
    # Printed through a filter that keeps the marker but not the value: the trial catches it.
    changed = engines["django"].from_string("{{ item_number|stringformat:'s'|slice:':9' }}")
    monkeypatch.setattr(fragment, "get_template", lambda name: changed)
    assert fragment._frame(False, False, True) is None

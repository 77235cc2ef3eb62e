"""Every state-changing POST is refused without a CSRF token, and accepted with one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from campaign.models import Assignment, Enrollment, Judgment
from tests.builders import logged_in, make_judgeable_campaign, make_participant, make_user
from tests.pages import csrf_token, current_key, fetch_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return make_judgeable_campaign("guarded", allow_signup=True)


def test_judge_and_skip_without_token_are_refused(campaign):
    client = logged_in(make_participant(campaign), enforce_csrf_checks=True)
    html = client.get(reverse("campaign:annotate", args=["guarded"])).content.decode()
    key = current_key(html)
    judge = reverse("campaign:judge", args=["guarded", key])
    skip = reverse("campaign:skip", args=["guarded", key])
    assert client.post(judge, {"choice": "1"}).status_code == 403
    assert client.post(judge, {"choice": "1"}, **fetch_headers()).status_code == 403
    assert client.post(skip, {"reason": "broken"}).status_code == 403
    assert not Judgment.objects.exists()
    assert Assignment.objects.get(key=key).status == "open"
    # The same post with the page's token goes through.
    token = csrf_token(html)
    accepted = client.post(judge, {"choice": "1", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302 and Judgment.objects.count() == 1


def test_start_without_token_is_refused(campaign):
    user = make_user(handle="joining-handle-001")
    client = logged_in(user, enforce_csrf_checks=True)
    assert client.post(reverse("campaign:start", args=["guarded"])).status_code == 403
    assert not Enrollment.objects.filter(user=user).exists()


def test_provision_without_token_is_refused(campaign, teammate):
    client = logged_in(teammate, enforce_csrf_checks=True)
    users_before = User.objects.count()
    response = client.post(reverse("campaign:provision", args=["guarded"]), {"count": "2"})
    assert response.status_code == 403
    assert User.objects.count() == users_before

"""The annotate page and its judge/skip posts, as a browser without JavaScript and as fetch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils.html import escape

from campaign import limits
from campaign.annotate.forms import SKIP_DETAIL_MAX_CHARS
from campaign.exceptions import ParticipationBlocked
from campaign.models import Assignment, Campaign, Judgment
from campaign.participants.trust import STANDING_STEP
from tests.builders import logged_in, make_judgeable_campaign, make_participant, work_through
from tests.pages import current_key, fetch_headers, open_assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return make_judgeable_campaign("arena", regular=3)


def annotate_url(campaign: Campaign) -> str:
    return reverse("campaign:annotate", args=[campaign.slug])


def judge_url(campaign: Campaign, key) -> str:
    return reverse("campaign:judge", args=[campaign.slug, key])


def skip_url(campaign: Campaign, key) -> str:
    return reverse("campaign:skip", args=[campaign.slug, key])


def test_page_shows_prompt_two_responses_and_five_numbered_choices(participant_client, campaign):
    response = participant_client.get(annotate_url(campaign))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Question number" in html
    assert "Alpha answer" in html and "Omega answer" in html
    for number, label in enumerate(
        ["Left much better", "Left better", "Tie", "Right better", "Right much better"], start=1
    ):
        assert f"<kbd>{number}</kbd><span>{label}</span>" in html
    assert 'name="rationale"' in html and "optional" in html
    assert "Skip this item" in html and "Guidelines" in html
    assert "0</strong> judged" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_left_and_right_follow_the_assignments_left_side(participant_client, campaign, participant):
    participant_client.get(annotate_url(campaign))
    assignment = open_assignment(participant, campaign)
    index = assignment.comparison.prompt.text.split()[-1].rstrip("?")
    for left_side, first, second in (("a", "Alpha", "Omega"), ("b", "Omega", "Alpha")):
        Assignment.objects.filter(pk=assignment.pk).update(left_side=left_side)
        html = participant_client.get(annotate_url(campaign)).content.decode()
        assert html.index(f"{first} answer {index}") < html.index(f"{second} answer {index}")


def test_reloading_resumes_the_open_lease(participant_client, campaign):
    first = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    again = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    assert first == again


def test_plain_form_post_stores_canonical_verdict_and_redirects(
    participant_client, campaign, participant
):
    participant_client.get(annotate_url(campaign))
    assignment = open_assignment(participant, campaign)
    Assignment.objects.filter(pk=assignment.pk).update(left_side="b")
    response = participant_client.post(
        judge_url(campaign, assignment.key), {"choice": "-2", "rationale": "left is right"}
    )
    assert response.status_code == 302 and response["Location"] == annotate_url(campaign)
    judgment = Judgment.objects.get(assignment=assignment)
    # "Left much better" with b shown on the left is "b much better": +2.
    assert judgment.verdict == 2 and judgment.rationale == "left is right"
    assert judgment.seconds is not None  # the server's measure when the page sent none
    html = participant_client.get(annotate_url(campaign)).content.decode()
    assert "1</strong> judged" in html and current_key(html) != str(assignment.key)


def test_fetch_post_answers_with_the_next_item_as_a_fragment(
    participant_client, campaign, participant
):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    # The page was shown a minute ago (the service never credits more than the lease's age).
    Assignment.objects.filter(key=key).update(leased_at=F("leased_at") - timedelta(minutes=1))
    response = participant_client.post(
        judge_url(campaign, key), {"choice": "1", "seconds": "4.5"}, **fetch_headers()
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment and "<body" not in fragment
    assert "1</strong> judged" in fragment
    assert current_key(fragment) != key
    assert Judgment.objects.get(assignment__key=key).seconds == pytest.approx(4.5, abs=0.1)


@pytest.mark.parametrize("slug", ["arena", "00000000-0000-0000-0000-000000000000"])
def test_the_fragments_forms_post_to_the_items_own_urls(slug):
    # The views build these URLs from one reverse() per campaign; a slug that spells the
    # placeholder key they put in is reversed per item instead.
    campaign = make_judgeable_campaign(slug, regular=3)
    client = logged_in(make_participant(campaign))
    key = current_key(client.get(annotate_url(campaign)).content.decode())
    response = client.post(judge_url(campaign, key), {"choice": "1"}, **fetch_headers())
    fragment = response.content.decode()
    next_key = current_key(fragment)
    assert f'action="{judge_url(campaign, next_key)}"' in fragment
    assert f'action="{skip_url(campaign, next_key)}"' in fragment


def test_missing_choice_shows_the_same_item_with_an_error(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    for headers in ({}, fetch_headers()):
        response = participant_client.post(
            judge_url(campaign, key), {"rationale": "kept"}, **headers
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert "Choose which response is better." in html
        assert current_key(html) == key and ">kept</textarea>" in html
    assert not Judgment.objects.exists()


def test_a_choice_outside_the_scale_is_refused(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    response = participant_client.post(judge_url(campaign, key), {"choice": "7"})
    assert response.status_code == 422
    assert not Judgment.objects.exists()


def test_required_rationale_is_marked_and_enforced():
    campaign = make_judgeable_campaign(require_rationale=True)
    client = logged_in(make_participant(campaign))
    html = client.get(annotate_url(campaign)).content.decode()
    assert 'class="required">required' in html
    response = client.post(judge_url(campaign, current_key(html)), {"choice": "0"})
    assert response.status_code == 422
    assert "short reason" in response.content.decode()
    assert not Judgment.objects.exists()


@pytest.mark.parametrize(
    ("scale", "labels"),
    [(3, ["Left better", "Tie", "Right better"]), (2, ["Left better", "Right better"])],
)
def test_smaller_scales_number_their_choices_from_one(scale, labels):
    campaign = make_judgeable_campaign(scale=scale)
    client = logged_in(make_participant(campaign))
    html = client.get(annotate_url(campaign)).content.decode()
    for number, label in enumerate(labels, start=1):
        assert f"<kbd>{number}</kbd><span>{label}</span>" in html
    assert f"<kbd>{len(labels) + 1}</kbd>" not in html


def test_skip_records_the_reason_and_serves_the_next_item(
    participant_client, campaign, participant
):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    response = participant_client.post(
        skip_url(campaign, key), {"reason": "broken", "detail": "cut off"}, **fetch_headers()
    )
    assert response.status_code == 200
    assert current_key(response.content.decode()) != key
    skipped = Assignment.objects.get(key=key)
    assert skipped.status == "skipped" and skipped.skip_reason.endswith(": cut off")


def test_skip_as_other_needs_a_detail(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    response = participant_client.post(skip_url(campaign, key), {"reason": "other"})
    assert response.status_code == 422
    assert Assignment.objects.get(key=key).status == "open"


def test_judging_a_skipped_item_explains_instead_of_failing(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    participant_client.post(skip_url(campaign, key), {"reason": "broken"})
    response = participant_client.post(judge_url(campaign, key), {"choice": "0"}, **fetch_headers())
    assert response.status_code == 200
    assert "You skipped this item" in response.content.decode()


def test_double_submit_stores_one_judgment(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    participant_client.post(judge_url(campaign, key), {"choice": "2"})
    participant_client.post(judge_url(campaign, key), {"choice": "-2"})
    assert Judgment.objects.get().verdict in (2, -2)
    assert Judgment.objects.count() == 1


FIRST_VERDICT_STANDS = "your first verdict stands"


def test_a_second_tabs_different_verdict_is_told_the_first_stands(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    participant_client.post(judge_url(campaign, key), {"choice": "2"}, **fetch_headers())

    other = participant_client.post(judge_url(campaign, key), {"choice": "-2"}, **fetch_headers())
    plain = participant_client.post(judge_url(campaign, key), {"choice": "-2"}, follow=True)

    assert other.status_code == 200 and FIRST_VERDICT_STANDS in other.content.decode()
    assert FIRST_VERDICT_STANDS in plain.content.decode()
    assert Judgment.objects.get().verdict in (2, -2)  # the first, whichever side was left
    assert Judgment.objects.get().assignment.key.hex == key.replace("-", "")


def test_repeating_the_same_verdict_stays_a_silent_success(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    participant_client.post(judge_url(campaign, key), {"choice": "2"}, **fetch_headers())

    again = participant_client.post(judge_url(campaign, key), {"choice": "2"}, **fetch_headers())

    assert again.status_code == 200
    html = again.content.decode()
    assert FIRST_VERDICT_STANDS not in html and 'class="notice"' not in html
    assert Judgment.objects.count() == 1


@pytest.mark.parametrize("seconds", ["abc", "-1", "NaN", "Infinity", "1e400"])
def test_a_malformed_client_timing_keeps_the_verdict(participant_client, campaign, seconds):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    Assignment.objects.filter(key=key).update(leased_at=F("leased_at") - timedelta(seconds=30))

    response = participant_client.post(
        judge_url(campaign, key), {"choice": "1", "seconds": seconds}, **fetch_headers()
    )

    assert response.status_code == 200
    assert current_key(response.content.decode()) != key
    # The server's own measure (the lease's age) stands in for the client's.
    assert 30 <= Judgment.objects.get(assignment__key=key).seconds < 120


def test_a_skip_after_the_campaign_closed_is_refused_and_says_so(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")

    fetched = participant_client.post(
        skip_url(campaign, key), {"reason": "broken"}, **fetch_headers()
    )
    plain = participant_client.post(skip_url(campaign, key), {"reason": "broken"}, follow=True)

    for response in (fetched, plain):
        assert response.status_code == 200
        assert "not open" in response.content.decode()
    skipped = Assignment.objects.get(key=key)
    assert skipped.status == "open" and skipped.skip_reason == ""


def test_all_done_when_nothing_is_left(participant_client, campaign):
    for _ in range(3):
        key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
        participant_client.post(judge_url(campaign, key), {"choice": "0"})
    html = participant_client.get(annotate_url(campaign)).content.decode()
    assert "All done" in html and "/judge/" not in html
    assert "3</strong> judged" in html


def test_a_closed_campaign_says_so_instead_of_serving_items(campaign, participant_client):
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")
    html = participant_client.get(annotate_url(campaign)).content.decode()
    assert "not open" in html and "/judge/" not in html


def test_my_progress_counts_judged_and_skipped(participant_client, campaign):
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    participant_client.post(judge_url(campaign, key), {"choice": "1"})
    key = current_key(participant_client.get(annotate_url(campaign)).content.decode())
    participant_client.post(skip_url(campaign, key), {"reason": "prompt"})
    html = participant_client.get(
        reverse("scoring:progress", args=[campaign.slug])
    ).content.decode()
    assert 'data-stat="judged">1<' in html and 'data-stat="skipped">1<' in html


def test_annotate_page_costs_the_same_queries_for_a_large_campaign(
    django_assert_max_num_queries,
):
    small = make_judgeable_campaign(regular=2)
    large = make_judgeable_campaign(regular=60)
    counts = []
    for campaign in (small, large):
        client = logged_in(make_participant(campaign))
        client.get(annotate_url(campaign))  # leases
        with django_assert_max_num_queries(12) as captured:
            client.get(annotate_url(campaign))  # resumes
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_judging_and_getting_the_next_item_costs_the_same_statements_at_any_size(
    django_assert_max_num_queries,
):
    # The session with its user, participation; then one transaction (two savepoint
    # statements here, as the test runs inside its own): the count and lock with the lease
    # and its gold side, the judgment with its lease's status, the next pick with its lease
    # and its texts.
    small = make_judgeable_campaign(regular=2)
    large = make_judgeable_campaign(regular=60)
    counts = []
    for campaign in (small, large):
        client = logged_in(make_participant(campaign))
        key = current_key(client.get(annotate_url(campaign)).content.decode())
        with django_assert_max_num_queries(8) as captured:
            response = client.post(judge_url(campaign, key), {"choice": "1"}, **fetch_headers())
        assert response.status_code == 200 and "/judge/" in response.content.decode()
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_judgment_that_leaves_the_participant_blocked_is_still_stored():
    # Three wrong checks first (gold rate 1 while gold is left), then regular items: the
    # refusal comes with the participant's STANDING_STEP-th judgment, a regular one.
    campaign = make_judgeable_campaign(
        regular=2 * STANDING_STEP,
        gold=3,
        gold_rate=1.0,
        min_gold_seen=1,
        min_gold_accuracy=0.7,
        block_untrusted=True,
    )
    participant = make_participant(campaign)
    work_through(participant, campaign, items=STANDING_STEP - 1, gold_right=False)
    client = logged_in(participant)
    key = current_key(client.get(annotate_url(campaign)).content.decode())
    served = Assignment.objects.get(key=key)
    assert not served.is_gold

    response = client.post(judge_url(campaign, key), {"choice": "1"}, **fetch_headers())

    assert response.status_code == 200
    html = response.content.decode()
    assert escape(str(ParticipationBlocked())) in html and "/judge/" not in html
    assert Judgment.objects.get(assignment=served).correct is None


def test_text_boxes_take_their_sizes_from_the_one_limit(participant_client, campaign):
    html = participant_client.get(annotate_url(campaign)).content.decode()

    assert f'name="rationale" rows="2" maxlength="{limits.RATIONALE_MAX_CHARS}"' in html
    assert f'name="detail" maxlength="{SKIP_DETAIL_MAX_CHARS}"' in html

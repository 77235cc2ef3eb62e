"""The dashboard's "How solid is the ranking": what it says, its empty states, who sees it."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from campaign.models import Contender
from scoring.models import Snapshot
from scoring.snapshots import compute_snapshot
from tests.builders import XSS_PAYLOAD, Scored, logged_in, make_flipped_crowd, make_snapshot

pytestmark = pytest.mark.django_db

HEADING = "How solid is the ranking"


@pytest.fixture
def crowd(owner):
    crowd = make_flipped_crowd(slug="solid", owner=owner)
    compute_snapshot(crowd.campaign, rounds=50)
    return crowd


@pytest.fixture
def campaign(crowd):
    return crowd.campaign  # the people fixtures (participant, stranger…) join this one


def section(page: str) -> str:
    start = page.index('id="robustness"')
    return page[start : page.index("</section>", start)]


def body(client: Client, name: str) -> str:
    """A public leaderboard response (page, JSON or streamed CSV), which must be served."""
    response = client.get(reverse(name, args=["solid"]))
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def dashboard(client: Client, slug: str = "solid") -> str:
    response = client.get(reverse("scoring:dashboard", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_sees_who_moves_the_board_and_what_separates_neighbours(owner, crowd):
    text = section(dashboard(logged_in(owner)))

    assert HEADING in text
    assert "moves a contender by up to <strong>1 place</strong>" in text
    assert f"without <strong>{crowd.flipper.handle}</strong>: alpha 1 → 2, beta 2 → 1" in text
    assert "Tested for each of the 5 annotators whose votes count." in text
    influential = text[text.index('data-robustness="influential"') :]
    assert influential.index(crowd.flipper.handle) < influential.index(crowd.honest[0].handle)
    assert crowd.cheater.handle not in text  # failed gold: their votes do not count
    neighbours = text[text.index('data-robustness="neighbours"') :]
    # alpha leads beta on the flipper's votes only: far from separated.
    pair = r'alpha <span class="muted">over</span> beta</td>\s*<td class="num">[\d.]+</td>'
    assert re.search(pair + r"\s*<td>≈ [\d,]+ more votes</td>", neighbours)
    assert 'beta <span class="muted">over</span> gamma</td>' in neighbours


def test_a_teammate_organiser_sees_it_too(teammate, crowd):
    assert HEADING in dashboard(logged_in(teammate))


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_participants_and_strangers_see_it_nowhere(request, who, crowd):
    client = logged_in(request.getfixturevalue(who))
    assert client.get(reverse("scoring:dashboard", args=["solid"])).status_code == 404
    for name in ("scoring:leaderboard", "scoring:leaderboard_json", "scoring:leaderboard_csv"):
        served = body(client, name)
        assert "beta" in served  # the board itself is public
        assert HEADING not in served
        assert "robustness" not in served and "place_without" not in served


def test_anonymous_visitors_see_it_nowhere(crowd):
    client = Client()
    response = client.get(reverse("scoring:dashboard", args=["solid"]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for name in ("scoring:leaderboard", "scoring:leaderboard_json"):
        served = body(client, name)
        assert "beta" in served
        assert HEADING not in served and "place_without" not in served


def test_contender_names_are_escaped(owner):
    crowd = make_flipped_crowd((XSS_PAYLOAD, "beta", "gamma"), slug="xss", owner=owner)
    compute_snapshot(crowd.campaign, rounds=20)

    text = section(dashboard(logged_in(owner), "xss"))

    assert XSS_PAYLOAD not in text
    assert html.escape(XSS_PAYLOAD, quote=False) in text.replace("&#x27;", "'").replace(
        "&quot;", '"'
    )


# --- empty and degenerate states ------------------------------------------------------------


def test_before_any_scores_it_says_so(owner, crowd):
    Snapshot.objects.filter(campaign=crowd.campaign).delete()
    assert "No scores yet." in section(dashboard(logged_in(owner)))


def test_without_counted_votes_it_says_there_is_no_ranking_to_test(owner, crowd):
    crowd.campaign.judgments.all().delete()
    compute_snapshot(crowd.campaign, rounds=10)
    text = section(dashboard(logged_in(owner)))
    assert "No counted votes yet, so there is no ranking to test." in text
    assert 'data-robustness="neighbours"' not in text


def test_with_one_contender_there_is_nothing_to_rank(owner, crowd):
    Snapshot.objects.filter(campaign=crowd.campaign).delete()
    make_snapshot(crowd.campaign, contenders=["alpha"], annotators=[Scored(crowd.flipper)])
    assert "Only one contender: there is no ranking to test." in section(
        dashboard(logged_in(owner))
    )


def test_with_one_annotator_it_says_leaving_them_out_cannot_be_tested(owner, crowd):
    campaign = crowd.campaign
    campaign.judgments.exclude(annotator=crowd.flipper).delete()
    Contender.objects.filter(campaign=campaign, name="gamma").delete()
    compute_snapshot(campaign, rounds=10)

    text = section(dashboard(logged_in(owner)))

    assert "Only one annotator&#x27;s votes count" in text
    assert 'data-robustness="influential"' not in text
    assert 'alpha <span class="muted">over</span> beta' in text  # the neighbours are still there


def test_when_the_cap_applied_the_page_says_whom_it_tested(owner, crowd):
    snapshot = Snapshot.objects.get(campaign=crowd.campaign)
    snapshot.analysis["robustness"]["leave_one_out"]["refitted"] = 2  # as if the cap were 2
    snapshot.save(update_fields=["analysis"])
    text = section(dashboard(logged_in(owner)))
    assert "Tested for the 2 annotators with the most counted votes, of 5." in text


def test_scores_from_before_the_check_ask_for_a_recompute(owner, crowd):
    Snapshot.objects.filter(campaign=crowd.campaign).update(analysis={})
    assert "predate this check: recompute scores" in section(dashboard(logged_in(owner)))

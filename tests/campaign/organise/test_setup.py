"""Creating a campaign and changing its settings from the browser, with a guidelines preview."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from campaign.models import Campaign
from campaign.organise.forms import SECTIONS, CampaignForm
from campaign.services import CAMPAIGN_SETTINGS
from tests.builders import XSS_PAYLOAD, logged_in, make_judgeable_campaign, make_user

pytestmark = pytest.mark.django_db

CREATE = reverse("campaign:create")
PREVIEW = reverse("campaign:guidelines_preview")


def settings_url(slug: str = "mine") -> str:
    return reverse("campaign:settings", args=[slug])


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("mine", owner=owner, title="Mine")


@pytest.fixture
def other_owner(db):
    """An organiser of another campaign: an organiser, but not of this one."""
    user = make_user(username="other-owner", handle="other-owner-001")
    make_judgeable_campaign("elsewhere", owner=user)
    return user


def as_sent(form: CampaignForm, **changes: object) -> dict[str, object]:
    """What a browser sends for ``form`` as shown (an unticked box sends nothing), and changes."""
    data: dict[str, object] = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value is not None and value is not False:
            data[name] = value
    return data | changes


def filled(**changes: object) -> dict[str, object]:
    """The create form untouched (its defaults) with a slug and a title, plus ``changes``."""
    return as_sent(CampaignForm(), **{"slug": "autumn", "title": "Autumn round", **changes})


def test_the_form_holds_every_campaign_setting_in_a_section():
    shown = {name for _, names in SECTIONS for name in names}
    assert set(CAMPAIGN_SETTINGS) | {"slug", "title"} == shown == set(CampaignForm().fields)


def test_an_organiser_creates_a_campaign_with_its_settings_and_owns_it(owner, campaign):
    response = logged_in(owner).post(
        CREATE,
        filled(gold_rate="0.2", scale="3", pairs_per_prompt="2", guidelines="# Be fair"),
    )

    created = Campaign.objects.get(slug="autumn")
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:dashboard", args=["autumn"])
    assert (created.owner, created.title, created.gold_rate) == (owner, "Autumn round", 0.2)
    assert (created.scale, created.pairs_per_prompt, created.guidelines) == (3, 2, "# Be fair")
    assert created.status == Campaign.Status.DRAFT
    assert created.exclude_gold_spotters is True  # the default, sent as the ticked box


def test_settings_left_as_shown_take_the_products_defaults(owner, campaign):
    logged_in(owner).post(CREATE, filled())

    created = Campaign.objects.get(slug="autumn")
    default = Campaign()
    for name in CAMPAIGN_SETTINGS:
        assert getattr(created, name) == getattr(default, name), name


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"gold_rate": "1.5"}, "gold_rate", "less than or equal to 1"),
        ({"min_gold_accuracy": "-0.1"}, "min_gold_accuracy", "greater than or equal to 0"),
        ({"judgments_per_comparison": "0"}, "judgments_per_comparison", "greater than or equal"),
        ({"slug": "mine"}, "slug", "already exists"),
        ({"slug": "not a slug!"}, "slug", "valid"),
        ({"title": ""}, "title", "required"),
        ({"starts_at": "yesterday"}, "starts_at", "valid date"),
    ],
)
def test_a_refused_setting_is_named_on_its_field_and_nothing_is_created(
    owner, campaign, changes, field, words
):
    response = logged_in(owner).post(CREATE, filled(**changes))

    assert response.status_code == 422
    form = response.context["form"]
    assert words in " ".join(form.errors[field])
    assert not Campaign.objects.filter(slug="autumn").exists()
    assert Campaign.objects.count() == 1


def test_the_preview_button_renders_the_guidelines_and_keeps_the_form(owner, campaign):
    data = filled(guidelines="**Read** the prompt\n\n" + XSS_PAYLOAD, preview="1")

    response = logged_in(owner).post(CREATE, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Read</strong> the prompt" in html
    assert "<script>window.__pwned" not in html and "<img" not in html
    assert 'value="autumn"' in html  # what was typed is still there
    assert not Campaign.objects.filter(slug="autumn").exists()


def test_the_preview_endpoint_answers_sanitised_markdown(owner, campaign):
    response = logged_in(owner).post(PREVIEW, {"guidelines": "- one\n- two\n" + XSS_PAYLOAD})

    html = response.content.decode()
    assert "<li>one</li>" in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned" in html  # shown as text, as the annotate page does


def test_the_preview_endpoint_needs_csrf(owner, campaign):
    client = logged_in(owner, enforce_csrf_checks=True)

    assert client.post(PREVIEW, {"guidelines": "x"}).status_code == 403


def test_the_create_form_needs_csrf(owner, campaign):
    client = logged_in(owner, enforce_csrf_checks=True)

    assert client.post(CREATE, filled()).status_code == 403
    assert not Campaign.objects.filter(slug="autumn").exists()


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_people_who_organise_nothing_get_a_404(request, who, campaign):
    client = logged_in(request.getfixturevalue(who))

    assert client.get(CREATE).status_code == 404
    assert client.post(CREATE, filled()).status_code == 404
    assert client.post(PREVIEW, {"guidelines": "x"}).status_code == 404
    assert not Campaign.objects.filter(slug="autumn").exists()


def test_anonymous_visitors_are_sent_to_log_in(campaign):
    for response in (Client().get(CREATE), Client().get(settings_url())):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Client().post(PREVIEW, {"guidelines": "x"}).status_code == 302


def test_the_owner_changes_settings_and_only_what_changed_is_saved(owner, campaign):
    form = logged_in(owner).get(settings_url()).context["form"]
    data = as_sent(form, gold_rate="0.25", title="Mine, renamed", require_rationale="on")

    response = logged_in(owner).post(settings_url(), data)

    campaign.refresh_from_db()
    assert response.status_code == 302
    assert (campaign.gold_rate, campaign.title, campaign.require_rationale) == (
        0.25,
        "Mine, renamed",
        True,
    )
    assert campaign.slug == "mine" and campaign.status == Campaign.Status.OPEN
    assert "slug" not in form.fields and "status" not in form.fields


def test_a_refused_change_keeps_the_campaign_as_it_was(owner, campaign):
    client = logged_in(owner)
    form = client.get(settings_url()).context["form"]

    response = client.post(settings_url(), as_sent(form, gold_rate="2", title="Renamed"))

    campaign.refresh_from_db()
    assert response.status_code == 422
    assert "less than or equal to 1" in " ".join(response.context["form"].errors["gold_rate"])
    assert (campaign.gold_rate, campaign.title) == (0.0, "Mine")


def test_staff_may_change_any_campaigns_settings(teammate, campaign):
    assert logged_in(teammate).get(settings_url()).status_code == 200


@pytest.mark.parametrize("who", ["participant", "stranger", "other_owner"])
def test_the_settings_page_is_a_404_for_anyone_not_organising_the_campaign(request, who, campaign):
    client = logged_in(request.getfixturevalue(who))

    assert client.get(settings_url()).status_code == 404
    assert client.post(settings_url(), {"title": "Taken"}).status_code == 404
    campaign.refresh_from_db()
    assert campaign.title == "Mine"


def test_the_owner_of_another_campaign_may_create_one(other_owner, campaign):
    response = logged_in(other_owner).post(CREATE, filled())

    assert response.status_code == 302
    assert Campaign.objects.get(slug="autumn").owner == other_owner


def test_the_home_page_lists_an_organisers_campaigns_drafts_included(owner, campaign):
    make_judgeable_campaign("draft-one", owner=owner, status="draft", title="Draft one")

    html = logged_in(owner).get("/").content.decode()

    assert "Campaigns you organise" in html and "Draft one" in html
    assert reverse("campaign:create") in html


def test_the_home_page_offers_participants_no_organiser_links(participant):
    html = logged_in(participant).get("/").content.decode()

    assert "Campaigns you organise" not in html and reverse("campaign:create") not in html

"""Small builders so a test reads as one behaviour: campaigns, comparisons, people, leases."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.hashers import make_password

from accounts.models import User
from campaign.models import Campaign, Comparison, Contender, Enrollment, Prompt, Response
from campaign.services import create_campaign

PASSWORD = "correct-horse-battery-staple"
# Tests create many users; hashing each at full PBKDF2 strength would dominate the suite.
PASSWORD_HASH = make_password(PASSWORD)

_sequence = itertools.count(1)


def make_user(**fields: Any) -> User:
    number = next(_sequence)
    fields.setdefault("username", f"user{number}")
    fields.setdefault("email", f"user{number}@example.com")
    fields.setdefault("password", PASSWORD_HASH)
    return User.objects.create(**fields)


def make_organiser(**fields: Any) -> User:
    return make_user(is_staff=True, **fields)


def make_campaign(slug: str | None = None, **settings: Any) -> Campaign:
    """An open campaign with PRODUCT.md's defaults unless ``settings`` say otherwise."""
    settings.setdefault("status", Campaign.Status.OPEN)
    title = settings.pop("title", None)
    owner = settings.pop("owner", None)
    slug = slug or f"campaign-{next(_sequence)}"
    return create_campaign(slug=slug, title=title or slug.title(), owner=owner, **settings)


def make_comparisons(
    campaign: Campaign, n: int, *, gold: int = 0, prefix: str | None = None
) -> list[Comparison]:
    """``n`` regular comparisons then ``gold`` gold ones (alternating a/b), one prompt each."""
    prefix = prefix or f"p{next(_sequence)}"
    contender_x, _ = Contender.objects.get_or_create(campaign=campaign, name="model-x")
    contender_y, _ = Contender.objects.get_or_create(campaign=campaign, name="model-y")
    total = n + gold
    prompts = Prompt.objects.bulk_create(
        [
            Prompt(campaign=campaign, external_id=f"{prefix}-{index}", text=f"Prompt {index}")
            for index in range(total)
        ]
    )
    responses = Response.objects.bulk_create(
        [
            Response(prompt=prompt, contender=contender, text=f"{contender.name} on {prompt.pk}")
            for prompt in prompts
            for contender in (contender_x, contender_y)
        ]
    )
    comparisons = [
        Comparison(
            campaign=campaign,
            prompt=prompt,
            response_a=responses[2 * index],
            response_b=responses[2 * index + 1],
            gold_side="" if index < n else ("a" if (index - n) % 2 == 0 else "b"),
        )
        for index, prompt in enumerate(prompts)
    ]
    return Comparison.objects.bulk_create(comparisons)


def make_participant(campaign: Campaign, **fields: Any) -> User:
    user = make_user(**fields)
    Enrollment.objects.create(campaign=campaign, user=user)
    return user


def make_participants(campaign: Campaign, n: int) -> list[User]:
    return [make_participant(campaign) for _ in range(n)]

"""Building the bench's world: a fresh database, campaigns in bulk SQL, participants, sessions.

Django must be set up (``django.setup()``) before any function here but recreate_database.
"""

from __future__ import annotations

import math
import subprocess

from bench.database import SERVER, fresh_database
from bench.load.config import PYTHON, ROOT, server_env

CONTENDERS = 8  # 28 pairs per prompt
GOLD_COMPARISONS = 200
RESPONSE_TEXT = (
    "Here is one way to do it.\n\n1. Read the input line by line.\n2. Keep a running total "
    "in a dictionary keyed by the first field.\n3. Print the totals sorted by key.\n\n"
    "```python\ntotals = {}\nfor line in lines:\n    k, v = line.split()\n"
    "    totals[k] = totals.get(k, 0) + int(v)\n```\n\nThis runs in linear time."
)
PROMPT_TEXT = "Write a short program that sums the second column of a file, grouped by the first."
# Placeholders for a row's number and contender name in a text rendered once for all rows.
NUMBER, NAME = "4242424242", "modelname"


def recreate_database(db: str, redis_db: int = 14, *, server: str = SERVER) -> None:
    """Drop, create and migrate `db`, then collectstatic (DEBUG=0 serves the hashed files)."""
    env = server_env(db, redis_db, server=server)
    fresh_database(db, env, server=server)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)


def create_campaign(slug: str, comparisons: int, allocation: str = "uniform") -> int:
    """A campaign with `comparisons` regular comparisons plus gold, inserted in bulk SQL.

    An adaptive campaign's regular comparisons get priority buckets 0-3 at random, as a
    scoring run would spread them (nothing scores during the bench).
    """
    from django.db import connection

    from campaign.models import Campaign, Contender

    campaign = Campaign.objects.create(
        slug=slug, title=f"Load bench {slug}", status="open", allocation=allocation
    )
    Contender.objects.bulk_create(
        [Contender(campaign=campaign, name=f"model-{i}") for i in range(CONTENDERS)]
    )
    pairs = CONTENDERS * (CONTENDERS - 1) // 2
    prompts = math.ceil(comparisons / pairs)
    c = campaign.pk
    with connection.cursor() as cur:
        # Texts with their stored HTML, as the import's rendering task leaves them: rendered
        # once with placeholders, which SQL replaces with each row's own name and number.
        prompt_html = stored_html(f"{PROMPT_TEXT} (#{NUMBER})")
        gold_prompt_html = stored_html(f"{PROMPT_TEXT} (gold #{NUMBER})")
        response_html = stored_html(f"{NAME} says: {RESPONSE_TEXT} [{NUMBER}]")
        cur.execute(
            """INSERT INTO campaign_prompt
                 (campaign_id, external_id, text, html, category, metadata)
               SELECT %s, 'p' || g, %s || ' (#' || g || ')', replace(%s, %s, g::text), '', '{}'
               FROM generate_series(1, %s) g""",
            [c, PROMPT_TEXT, prompt_html, NUMBER, prompts],
        )
        cur.execute(
            """INSERT INTO campaign_prompt
                 (campaign_id, external_id, text, html, category, metadata)
               SELECT %s, 'g' || g, %s || ' (gold #' || g || ')', replace(%s, %s, g::text),
                      'gold', '{}'
               FROM generate_series(1, %s) g""",
            [c, PROMPT_TEXT, gold_prompt_html, NUMBER, GOLD_COMPARISONS],
        )
        cur.execute(
            """INSERT INTO campaign_response (prompt_id, campaign_id, contender_id, text, html)
               SELECT p.id, p.campaign_id, k.id, k.name || ' says: ' || %s || ' [' || p.id || ']',
                      replace(replace(%s, %s, p.id::text), %s, k.name)
               FROM campaign_prompt p CROSS JOIN campaign_contender k
               WHERE p.campaign_id = %s AND k.campaign_id = %s
                 AND (p.category = '' OR k.name IN ('model-0', 'model-1'))""",
            [RESPONSE_TEXT, response_html, NUMBER, NAME, c, c],
        )
        check_stored_html(c)
        for gold, limit in ((False, comparisons), (True, GOLD_COMPARISONS)):
            gold_side = "CASE WHEN random() < 0.5 THEN 'a' ELSE 'b' END" if gold else "''"
            adaptive = allocation == "adaptive" and not gold
            priority = "floor(random() * 4)::int" if adaptive else "0"
            cur.execute(  # the only interpolations are the constant expressions above
                f"""INSERT INTO campaign_comparison
                      (campaign_id, prompt_id, response_a_id, response_b_id, gold_side, load,
                       shuffle, priority)
                    SELECT %s, a.prompt_id, a.id, b.id,
                           {gold_side},
                           0, floor(random() * 2147483648)::int, {priority}
                    FROM campaign_prompt p
                    JOIN campaign_response a ON a.prompt_id = p.id
                    JOIN campaign_response b ON b.prompt_id = p.id
                                            AND a.contender_id < b.contender_id
                    WHERE p.campaign_id = %s AND p.category = %s
                    LIMIT %s""",  # noqa: S608
                [c, c, "gold" if gold else "", limit],
            )
        for table in ("campaign_prompt", "campaign_response", "campaign_comparison"):
            cur.execute(f"ANALYZE {table}")
    return c


def stored_html(text: str) -> str:
    from campaign.rendering import markdown_html

    return markdown_html(text)


def check_stored_html(campaign_id: int) -> None:
    """The HTML written by SQL is what rendering each row's text gives (a sample of rows)."""
    from campaign.models import Prompt, Response
    from campaign.rendering import markdown_html

    rows = [
        *Prompt.objects.filter(campaign_id=campaign_id).order_by("?")[:20],
        *Response.objects.filter(prompt__campaign_id=campaign_id).order_by("?")[:20],
    ]
    for row in rows:
        assert row.html == markdown_html(row.text), (row.text, row.html)


def create_participants(campaign_ids: list[int], count: int) -> list[tuple[str, str, int]]:
    from accounts.models import User
    from campaign.models import Campaign, Enrollment
    from campaign.participants.provisioning import provision_annotators

    first = Campaign.objects.get(pk=campaign_ids[0])
    credentials = provision_annotators(campaign=first, count=count)
    users = dict(
        User.objects.filter(username__in=[c.username for c in credentials]).values_list(
            "username", "pk"
        )
    )
    for campaign_id in campaign_ids[1:]:
        Enrollment.objects.bulk_create(
            [Enrollment(campaign_id=campaign_id, user_id=pk) for pk in users.values()]
        )
    return [(c.username, c.password, users[c.username]) for c in credentials]


def direct_session(user_id: int) -> str:
    """The session a login would create (auth keys and the session hash), stored directly."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user = User.objects.get(pk=user_id)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

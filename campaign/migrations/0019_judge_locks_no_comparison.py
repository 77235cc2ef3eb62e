"""A judgment written by the annotate loop no longer locks its comparison's row.

Migration 0017's trigger (as the foreign key before it) locked every judgment's comparison
FOR KEY SHARE until the judging transaction ended, and that transaction goes on to pick the
participant's next item. A running KEY SHARE locker of a row that pickers keep updating is
what lets PostgreSQL's SKIP LOCKED pick wait, and deadlock:

1. J judges comparison C: its KEY SHARE lock stays on C's row version v1;
2. P picks C (FOR NO KEY UPDATE does not conflict with KEY SHARE), takes a place (v2) and
   commits: v1's xmax is now a MultiXact of J's lock and P's update, with J still running;
3. R and Q, pickers whose statement snapshot predates P's commit, both find v1. R locks v2.
   Q's lock of v1 follows the update chain to v2, and that wait ignores SKIP LOCKED: Q waits
   for R, holding v1's tuple lock; R's UPDATE of the room then starts from v1, sees J's lock
   still running, and waits for v1's tuple lock: held by Q.

`make test` met this about once in 10 to 20 runs of tests/campaign/annotate/
test_concurrency.py under load (the participant whose request died held its lease, and the
others waited for it until the deadline); tests/campaign/test_judgment_keys_concurrency.py
replays it step by step. Without J's lock, v1's xmax is P's committed update alone: Q's lock
finds the newest version held by R and skips it, R's UPDATE finds it its own.

So a judgment of a lease (``assignment_id`` set) is checked through the lease, which the
judge step holds FOR UPDATE anyway: the lease is locked FOR KEY SHARE (as before), it must be
of the judgment's comparison, and that comparison must exist in the judgment's campaign
(counted, not locked). Nothing can take the comparison away before the judgment commits:

- a comparison whose leases are left is refused at once by its delete (it was refused at
  commit by the lease's own key, DEFERRED: a transaction could delete the comparison, let a
  judge commit a judgment of it, then move or delete the lease and insert a comparison with
  the old id in another campaign); Django deletes the leases first, and deleting a lease
  waits for the judge holding it, then is refused (0017) since a judgment names it;
- a judged lease cannot move to another comparison (the lease's rekey trigger now also
  watches ``comparison_id``; moving it waits for the judge's KEY SHARE, since the column is in
  the unique key (comparison, annotator), then sees the judgment);
- a comparison's (id, campaign) never change once stored (refused always; no code does it).

A judgment without a lease (a vote import, a test) locks its comparisons FOR KEY SHARE as in
0017: no lease stands for them. An import into a campaign that participants are working in
can therefore still meet the deadlock above while its transaction runs; the annotate loop
alone no longer can. (Locking the campaign's row instead, as 0014's keys do, made comparison
deletions lock it FOR UPDATE, which then deadlocked with the leases' own deferred key on the
campaign at a picker's commit.)

Annotators keep 0017's check (their rows FOR KEY SHARE); a judgment's key columns changed by
UPDATE keep 0017's per-row check, which locks the comparison (no judge step does that).
"""

# The SQL here is built from constant table and column names, never from input.
# ruff: noqa: S608

from importlib import import_module

from django.db import migrations

# 0017's names and its SQL builders: the checks it wrote, reused for the rows that keep them.
keys = import_module("campaign.migrations.0017_judgment_keys_per_statement")
JUDGMENT, PINNED = keys.JUDGMENT, keys.PINNED
COMPARISON_KEY, ANNOTATOR_KEY, ASSIGNMENT_KEY = (
    keys.COMPARISON_KEY,
    keys.ANNOTATOR_KEY,
    keys.ASSIGNMENT_KEY,
)
_lock_all = keys._lock_all


UNLEASED = "new_rows WHERE assignment_id IS NULL"
# A judged lease names the judgment's comparison, and that comparison is in the judgment's
# campaign: one probe per row through the lease (a judge step writes one row).
LEASED_ELSEWHERE = (
    "SELECT 1 FROM new_rows n WHERE n.assignment_id IS NOT NULL AND NOT EXISTS (SELECT 1 "
    "FROM campaign_assignment a JOIN campaign_comparison t ON t.id = a.comparison_id "
    "WHERE a.id = n.assignment_id AND a.comparison_id = n.comparison_id "
    "AND t.campaign_id = n.campaign_id)"
)

INSERTED = "\n  ".join(
    [
        # Votes without a lease: their comparisons, as 0017 (skipped for a judge step's row).
        f"IF EXISTS (SELECT 1 FROM {UNLEASED}) THEN",
        _lock_all(
            "campaign_comparison",
            f"(t.campaign_id, t.id) IN (SELECT campaign_id, comparison_id FROM {UNLEASED})",
            f"SELECT DISTINCT campaign_id, comparison_id FROM {UNLEASED}",
            COMPARISON_KEY,
        ),
        "END IF;",
        # Judged leases: a judge step already holds its lease FOR UPDATE.
        _lock_all(
            "campaign_assignment",
            "t.id IN (SELECT assignment_id FROM new_rows)",
            "SELECT DISTINCT assignment_id FROM new_rows WHERE assignment_id IS NOT NULL",
            ASSIGNMENT_KEY,
        ),
        f"IF EXISTS ({LEASED_ELSEWHERE}) THEN {keys._refused(COMPARISON_KEY, 'insert')} END IF;",
        _lock_all(
            "accounts_user",
            "t.id IN (SELECT annotator_id FROM new_rows)",
            "SELECT DISTINCT annotator_id FROM new_rows",
            ANNOTATOR_KEY,
        ),
    ]
)
LEASE_KEY = "assignment_comparison_leased"
DELETED = (
    "IF EXISTS (SELECT 1 FROM old_rows o WHERE EXISTS (SELECT 1 FROM campaign_assignment a "
    "WHERE a.comparison_id = o.id)) THEN "
    f'RAISE EXCEPTION \'update or delete on table "campaign_comparison" violates foreign key '
    f'constraint "{LEASE_KEY}" on table "campaign_assignment"\' '
    f"USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{LEASE_KEY}', "
    "TABLE = 'campaign_comparison'; END IF;\n"
    f"  DELETE FROM {JUDGMENT} j USING old_rows o "
    "WHERE j.campaign_id = o.campaign_id AND j.comparison_id = o.id;"
)
REKEYED = keys._refused(COMPARISON_KEY, "delete", "campaign_comparison")

# Each function's new body; the way back restores 0017's.
FUNCTIONS = {
    "campaign_judgment_keys_inserted": INSERTED,
    "campaign_comparison_judgments_deleted": DELETED,
    "campaign_comparison_judgments_rekeyed": REKEYED,
}
DECLARATIONS = {"campaign_judgment_keys_inserted": "DECLARE wanted bigint; found bigint;"}


def _replace(schema_editor, bodies: dict[str, str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, body in bodies.items():
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql {PINNED} "
            f"AS $$\n{DECLARATIONS.get(name, '')}\nBEGIN\n  {body}\n  RETURN NULL;\nEND\n$$",
            params=None,
        )


LEASE_REKEYED = "campaign_assignment_judgments_rekeyed"


def _lease_rekeyed_when(schema_editor, columns: tuple[str, ...]) -> None:
    """The lease's rekey trigger (0017) fires when any of ``columns`` changes."""
    if schema_editor.connection.vendor != "postgresql":
        return
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    schema_editor.execute(f"DROP TRIGGER {LEASE_REKEYED} ON campaign_assignment", params=None)
    schema_editor.execute(
        f"CREATE TRIGGER {LEASE_REKEYED} AFTER UPDATE ON campaign_assignment FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION {LEASE_REKEYED}()",
        params=None,
    )


def forwards(apps, schema_editor):
    _replace(schema_editor, FUNCTIONS)
    _lease_rekeyed_when(schema_editor, ("id", "comparison_id"))


def backwards(apps, schema_editor):
    _lease_rekeyed_when(schema_editor, ("id",))
    _replace(
        schema_editor,
        {name: body for name, _clause, _declarations, body in keys.TRIGGERS if name in FUNCTIONS},
    )


class Migration(migrations.Migration):
    dependencies = [("campaign", "0018_judgment_key_covers_verdict")]

    operations = [migrations.RunPython(forwards, backwards)]

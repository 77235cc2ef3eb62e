"""A ledger of the judgments' and comparisons' count, id sum and largest id per campaign,
kept by statement-level triggers (PostgreSQL only; campaign.ledger reads and compacts it).

Every scoring run needs those three numbers for the whole campaign (its fingerprint and its
watermark check, scoring.campaign_data.fingerprint_facts); computing them scanned every
judgment and comparison of the campaign: 2-2.7 s of a run at ten million judgments on the
shared 2-core machine. Each INSERT or DELETE statement on the two tables now adds one row
per campaign it touched (rows, id sum, largest id; negative rows and no largest id for a
deletion), in its own transaction, so any snapshot sees the ledger and the rows agree. Rows
are only ever inserted, so concurrent writers never wait on each other; the scoring job folds
them into one row now and then (campaign.ledger.compact). A TRUNCATE clears the table's
entries, a campaign's deletion its rows. Judgments and comparisons never change campaign or
id once written (the keys of migration 0014 refuse a rekey), so updates need no entry.
"""

from collections.abc import Callable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLES = {"j": "campaign_judgment", "c": "campaign_comparison"}

CREATE = [
    """CREATE TABLE campaign_rowledger (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        campaign_id bigint NOT NULL,
        kind char(1) NOT NULL,
        rows bigint NOT NULL,
        id_sum bigint NOT NULL,
        max_id bigint
    )""",
    "CREATE INDEX campaign_rowledger_campaign ON campaign_rowledger (campaign_id, kind, id)",
    """CREATE FUNCTION campaign_ledger_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO campaign_rowledger (campaign_id, kind, rows, id_sum, max_id)
        SELECT campaign_id, TG_ARGV[0], count(*), sum(id), max(id) FROM added
        GROUP BY campaign_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION campaign_ledger_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO campaign_rowledger (campaign_id, kind, rows, id_sum, max_id)
        SELECT campaign_id, TG_ARGV[0], -count(*), -sum(id), NULL FROM removed
        GROUP BY campaign_id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION campaign_ledger_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM campaign_rowledger WHERE kind = TG_ARGV[0];
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION campaign_ledger_campaign_gone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM campaign_rowledger WHERE campaign_id IN (SELECT id FROM removed);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER campaign_ledger_gone AFTER DELETE ON campaign_campaign
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
        EXECUTE FUNCTION campaign_ledger_campaign_gone()""",
]
for kind, table in TABLES.items():
    CREATE += [
        f"""CREATE TRIGGER campaign_ledger_added AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS added FOR EACH STATEMENT
            EXECUTE FUNCTION campaign_ledger_added('{kind}')""",
        f"""CREATE TRIGGER campaign_ledger_removed AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
            EXECUTE FUNCTION campaign_ledger_removed('{kind}')""",
        f"""CREATE TRIGGER campaign_ledger_truncated AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION campaign_ledger_truncated('{kind}')""",
        # What the tables hold now, as one row per campaign.
        f"""INSERT INTO campaign_rowledger (campaign_id, kind, rows, id_sum, max_id)
            SELECT campaign_id, '{kind}', count(*), sum(id), max(id) FROM {table}
            GROUP BY campaign_id""",  # noqa: S608 (constants only)
    ]

DROP = [
    *(
        f"DROP TRIGGER campaign_ledger_{name} ON {table}"
        for table in TABLES.values()
        for name in ("added", "removed", "truncated")
    ),
    "DROP TRIGGER campaign_ledger_gone ON campaign_campaign",
    "DROP FUNCTION campaign_ledger_added()",
    "DROP FUNCTION campaign_ledger_removed()",
    "DROP FUNCTION campaign_ledger_truncated()",
    "DROP FUNCTION campaign_ledger_campaign_gone()",
    "DROP TABLE campaign_rowledger",
]


def run(statements: list[str]) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def apply(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("campaign", "0014_set_based_keys")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]

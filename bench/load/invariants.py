"""The invariants checked on the database after the run (printed PASS/FAIL)."""

from __future__ import annotations

import psycopg

from bench.database import SERVER


def check_invariants(db: str, acked: list[str], *, server: str = SERVER) -> bool:
    ok = True
    with psycopg.connect(f"{server}/{db}") as conn:

        def one(sql: str) -> int:
            return conn.execute(sql).fetchone()[0]

        def report(name: str, bad: int, detail: str) -> None:
            nonlocal ok
            ok = ok and bad == 0
            print(f"  {'PASS' if bad == 0 else 'FAIL'}  {name}: {detail}")

        total = one("SELECT count(*) FROM campaign_judgment")
        over = one(
            """SELECT count(*) FROM (
                 SELECT j.comparison_id FROM campaign_judgment j
                 JOIN campaign_comparison c ON c.id = j.comparison_id AND c.gold_side = ''
                 JOIN campaign_campaign k ON k.id = c.campaign_id
                 GROUP BY j.comparison_id, k.judgments_per_comparison
                 HAVING count(*) > k.judgments_per_comparison) t"""
        )
        full = one(
            """SELECT count(*) FROM (
                 SELECT j.comparison_id FROM campaign_judgment j
                 JOIN campaign_comparison c ON c.id = j.comparison_id AND c.gold_side = ''
                 GROUP BY j.comparison_id HAVING count(*) = 3) t"""
        )
        report(
            "no regular comparison over judgments_per_comparison",
            over,
            f"{over} over target; {full} comparisons exactly at target; {total} judgments",
        )
        twice = one(
            """SELECT count(*) FROM (SELECT 1 FROM campaign_judgment
                 GROUP BY comparison_id, annotator_id HAVING count(*) > 1) t"""
        )
        report("no (comparison, annotator) judged twice", twice, f"{twice} pairs twice")
        load_bad = one(
            """SELECT count(*) FROM campaign_comparison c WHERE c.gold_side = '' AND c.load <>
                 (SELECT count(*) FROM campaign_judgment j WHERE j.comparison_id = c.id)
               + (SELECT count(*) FROM campaign_assignment a
                  WHERE a.comparison_id = c.id AND a.status = 'open')"""
        )
        report("load = judgments + open leases (regular)", load_bad, f"{load_bad} comparisons off")
        conn.execute("CREATE TEMP TABLE acked (key uuid)")
        with conn.cursor().copy("COPY acked (key) FROM STDIN") as copy:
            for key in acked:
                copy.write_row((key,))
        stored = dict(
            conn.execute(
                """SELECT n, count(*) FROM (
                     SELECT k.key, count(j.id) AS n FROM acked k
                     LEFT JOIN campaign_assignment a ON a.key = k.key
                     LEFT JOIN campaign_judgment j ON j.assignment_id = a.id
                     GROUP BY k.key) t GROUP BY n"""
            ).fetchall()
        )
        distinct = len(set(acked))
        missing, multiple = stored.get(0, 0), sum(v for n, v in stored.items() if n > 1)
        report(
            "every acknowledged submission stored exactly once",
            missing + multiple + (len(acked) - distinct),
            f"{len(acked)} acknowledged ({distinct} distinct keys): {stored.get(1, 0)} stored "
            f"once, {missing} missing, {multiple} stored more than once",
        )
        print(f"  info  judgments not acknowledged (in flight at a cut-off): {total - distinct}")
    return ok

"""What autovacuum would have done by now, done between the bench's phases.

The shared PostgreSQL of this machine runs with ``autovacuum = off``; a production database
(docker-compose.yml's PostgreSQL 15) runs it with its defaults. Without it the bench's tables
are never analyzed: campaign_assignment, empty when the run starts and thousands of rows a
few seconds later, keeps no statistics, and the planner then read the judge step's locked
assignment through (annotator, campaign) instead of the unique key, scanning all of that
participant's assignments; after ANALYZE it uses the key (as production would).

So before each measured phase, and after the bulk build, every table of the bench database
that autovacuum's default thresholds would have picked gets what autovacuum gives it: VACUUM
when its dead rows exceed 50 + 20% of its rows, ANALYZE when its changes since the last
analyze exceed 50 + 10%. Never during a measured window, and never more than that: this
only stands in for a daemon the production server has.
"""

from __future__ import annotations

import psycopg

# PostgreSQL's defaults: autovacuum_{vacuum,analyze}_{threshold,scale_factor}.
VACUUM_THRESHOLD, VACUUM_SCALE = 50, 0.2
ANALYZE_THRESHOLD, ANALYZE_SCALE = 50, 0.1


def autovacuum_due(pg: psycopg.Connection) -> list[str]:
    """VACUUM and ANALYZE the tables autovacuum would have (``pg``: an autocommit connection
    to the bench database); returns what was run."""
    rows = pg.execute(
        """SELECT s.relname, s.n_dead_tup, s.n_mod_since_analyze, greatest(c.reltuples, 0)
           FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
           ORDER BY s.relname"""
    ).fetchall()
    done = []
    for table, dead, changed, tuples in rows:  # reltuples -1 (never analyzed) counts as 0
        vacuum = dead > VACUUM_THRESHOLD + VACUUM_SCALE * tuples
        analyze = changed > ANALYZE_THRESHOLD + ANALYZE_SCALE * tuples
        command = " ".join(word for word, due in (("VACUUM", vacuum), ("ANALYZE", analyze)) if due)
        if command:
            pg.execute(f'{command} "{table}"')  # a name read from the catalogue
            done.append(f"{command} {table}")
    return done

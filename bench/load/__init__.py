"""The annotate load bench (bench/annotate_load.py), one module per job.

config (arguments, server options, the servers' environment), build (database, campaigns,
participants), cpu (CPU accounting from /proc), server (gunicorn), clients (the simulated
participants), report (figures and the table), invariants (checks on the database).
"""

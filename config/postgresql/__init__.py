"""Django's PostgreSQL backend whose health check skips its round trip when the idle
connection's socket is quiet (see base.py)."""

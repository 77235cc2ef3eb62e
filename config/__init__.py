"""Project configuration: settings, URLs, the Celery app and the WSGI/ASGI entry points."""

import os

# One BLAS thread per process (unless the environment says otherwise), set before numpy is
# first imported: the scoring fits are many small solves, which extra threads slow down on a
# machine whose other cores serve requests and the database (bench/score_campaign.py at 1M,
# incremental run: 5.1 s of CPU with the default threads, 3.1 s with one, for the same wall
# time), and a threaded BLAS may sum in another order from one machine to the next.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from config.celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]

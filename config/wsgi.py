"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What loading the app made (modules, models, URL patterns, settings: some 150,000 objects)
# lives as long as the process. Freezing it keeps the cyclic collector from walking it again:
# a full collection in a serving process then walks only what requests made since. Measured
# on the bench's database settings: a full collection took 240-260 ms before, ~0 after; in
# bench/annotate_load.py a worker's full collections stalled all of its threads for 180-975 ms
# in its first seconds and once for 155 ms in the live contest.
gc.freeze()

"""Celery's broker transport: kombu's Redis transport, made to survive a broker outage.

The defect (kombu 5.7.0, the newest release): when Redis dies, the worker's consumer closes
its broker connection, and closing a channel that holds unacknowledged messages (with
acks_late, any job it has received but not finished, such as a debounced scoring run waiting
for its countdown) tries to put them back on the queue. By then the transport has let go of
its connection settings, so building a Redis client fails with ``AttributeError: 'NoneType'
object has no attribute 'hostname'``. That is not one of the transport's connection errors,
so Celery does not treat it as the outage it is: the worker exits ("Unrecoverable error")
and scoring stops until someone restarts it.

The fix: the channel reports that situation as a Redis ConnectionError, which Celery
already handles: it logs the lost connection, retries until Redis is back, and consumes
again. Nothing is lost that would not be lost anyway: the messages are still in Redis's
unacked set (kombu wrote them there on delivery), from which a worker restores them after
the visibility timeout, and beat queues a run of every open campaign regardless
(scoring.score_open_campaigns).

Settings select it with CELERY_BROKER_TRANSPORT; the worker test in
tests/scoring/test_worker.py kills Redis while a worker holds a delayed job.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:  # the connection was closed under this channel
            raise RedisConnectionError("the broker connection is closed")
        # celery-types' kombu stubs leave this private method out.
        return super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]


class Transport(kombu_redis.Transport):
    Channel = Channel

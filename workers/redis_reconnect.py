"""A worker survives a Redis restart: kombu's Redis channel, closed while the consumer
reconnects, reads its connection's settings after the connection cleared them and raises
AttributeError (celery/kombu#582, still in kombu 5.7). That escapes the consumer's "ignore
connection errors" and the worker exits with "Unrecoverable error" instead of reconnecting.

Here the missing connection is reported as the connection error it is, which the consumer
already recovers from; unacknowledged messages stay in Redis and are restored as usual.
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport import redis as transport

_PATCHED = "_newsaudio_reconnect"


def install() -> None:
    original = transport.Channel._connparams
    if getattr(original, _PATCHED, False):
        return

    def connparams(self: Any, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection was closed while reconnecting")
        return original(self, asynchronous)

    setattr(connparams, _PATCHED, True)
    transport.Channel._connparams = connparams

"""One render per article at a time: a lease in the store that expires.

Two workers (or a task redelivered while its first run still goes on) must not master the same
article at once: the loser would overwrite the winner's MP3 after its size was recorded. The
lease names its holder ``host:pid:token``; a holder on this host whose process is gone (a
SIGKILLed worker) is replaced at once, any other holder only when the lease has expired.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pipeline.files import alive
from pipeline.state.schema import leases, now, utc
from pipeline.state.store import Store


def acquire_lease(store: Store, name: str, holder: str, seconds: float, *, replacing: str | None = None) -> bool:
    """Take the lease ``name`` for ``seconds``: free, expired, ours already, or held by
    ``replacing`` (a holder known to be dead). True when we hold it now."""
    at = now()
    expires = datetime.fromtimestamp(at.timestamp() + seconds, tz=UTC)
    with store.engine.begin() as conn:
        taken = conn.execute(
            update(leases)
            .where(
                leases.c.name == name,
                (leases.c.expires_at < at) | leases.c.holder.in_([holder, replacing or holder]),
            )
            .values(holder=holder, expires_at=expires)
        ).rowcount
    if taken:
        return True
    try:
        with store.engine.begin() as conn:
            conn.execute(leases.insert().values(name=name, holder=holder, expires_at=expires))
    except IntegrityError:
        return False
    return True


def release_lease(store: Store, name: str, holder: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(leases.delete().where(leases.c.name == name, leases.c.holder == holder))


def lease_holder(store: Store, name: str) -> tuple[str, datetime] | None:
    """Who holds ``name`` and until when; None when nobody does (or it expired)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)).first()
    if row is None or utc(row.expires_at) < now():
        return None
    return row.holder, utc(row.expires_at)


def lease_expiries(store: Store, names: list[str]) -> dict[str, datetime]:
    """When each of the leases ``names`` that has a row expires (or expired: a holder that died
    leaves its row behind, a released lease has none), in one query per 500 names."""
    found: dict[str, datetime] = {}
    with store.engine.connect() as conn:
        for lo in range(0, len(names), 500):
            query = select(leases.c.name, leases.c.expires_at).where(leases.c.name.in_(names[lo : lo + 500]))
            found.update({r.name: utc(r.expires_at) for r in conn.execute(query)})
    return found


def holds(store: Store, name: str, holder: str) -> bool:
    current = lease_holder(store, name)
    return current is not None and current[0] == holder


class Busy(Exception):
    """Another live worker holds the lease."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# Leases this process holds right now. A lease in the store naming this process but not in
# here was left behind when releasing it failed (the store was down): it is stale.
_HELD: set[str] = set()


def render(article_id: str) -> str:
    """The lease one render of an article holds (a sweep must not take its files meanwhile)."""
    return f"render:{article_id}"


def _dead_here(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return holder not in _HELD
    return not alive(int(pid))


def acquire(store: Store, name: str, holder: str, seconds: float) -> bool:
    if acquire_lease(store, name, holder, seconds):
        return True
    current = lease_holder(store, name)
    if current is None:  # expired or released between the two queries
        return acquire_lease(store, name, holder, seconds)
    if _dead_here(current[0]):
        return acquire_lease(store, name, holder, seconds, replacing=current[0])
    return False


def _renew(store: Store, name: str, holder: str, seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds / 3):
        try:
            acquire_lease(store, name, holder, seconds)
        except Exception:  # noqa: BLE001 - the store is down: the lease may lapse, the record check guards
            pass


@contextmanager
def held(store: Store, name: str, seconds: float) -> Iterator[str]:
    """Hold lease ``name`` for the block, renewed every third of ``seconds`` while the block
    runs; raise Busy when a live holder has it. A holder that dies (or cannot release it
    because the store is down) stops renewing, and the lease lapses ``seconds`` later."""
    holder = holder_id()
    if not acquire(store, name, holder, seconds):
        current = lease_holder(store, name)
        raise Busy(f"{name} is held by {current[0] if current else 'another worker'}")
    _HELD.add(holder)
    stop = threading.Event()
    threading.Thread(target=_renew, args=(store, name, holder, seconds, stop), daemon=True).start()
    try:
        yield holder
    finally:
        stop.set()
        _HELD.discard(holder)
        try:
            release_lease(store, name, holder)
        except Exception:  # noqa: BLE001 - the store may be down; the lease then expires by itself
            pass

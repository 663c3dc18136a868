"""Anonymous listening numbers from the website's player (web/player/events.py): one counter
per article GUID, episode version, UTC day, event and value. Nothing about a listener is kept."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pipeline.state.schema import (
    listen_counts,
    now,
)
from pipeline.state.store import Store


def count_listen(
    store: Store, guid: str, version: int, event_name: str, value: str = "", day: date | None = None
) -> None:
    """Add one to a counter; two web processes counting at once both count."""
    key = {"guid": guid, "version": version, "day": day or now().date(), "event": event_name, "value": value}
    where = [listen_counts.c[k] == v for k, v in key.items()]
    bump = update(listen_counts).where(*where).values(count=listen_counts.c["count"] + 1)
    for _ in range(3):
        with store.engine.begin() as conn:
            if conn.execute(bump).rowcount:
                return
        try:
            with store.engine.begin() as conn:
                conn.execute(listen_counts.insert().values(**key, count=1))
            return
        except IntegrityError:
            continue  # another process inserted the row first: bump it


def listen_totals(store: Store) -> dict[str, dict[str, int]]:
    """Per GUID, each event's count over all days and versions."""
    query = select(listen_counts.c.guid, listen_counts.c.event, func.sum(listen_counts.c["count"])).group_by(
        listen_counts.c.guid, listen_counts.c.event
    )
    totals: dict[str, dict[str, int]] = {}
    with store.engine.connect() as conn:
        for guid, event_name, n in conn.execute(query):
            totals.setdefault(guid, {})[event_name] = int(n)
    return totals

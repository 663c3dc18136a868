"""Downloads in the store: each day's salt, each client's bytes of an episode on that day (until
the day closes), the counts that stay (episode file, day, app), and the log lines already read.
Raw IP addresses and User-Agents are never given to this module, only keyed hashes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, update

from pipeline.state.schema import download_counts, download_lines, download_progress, download_salts
from pipeline.state.store import Store, insert_new


@dataclass(frozen=True)
class DayCount:
    day: date
    file_name: str
    app: str
    count: int


def salt(store: Store, day: date) -> bytes:
    """The day's salt: made at random on first use, the same for every process of the day."""
    with store.engine.begin() as conn:
        insert_new(conn, download_salts, [{"day": day, "salt": secrets.token_hex(32)}])
        return bytes.fromhex(conn.execute(select(download_salts.c.salt).where(download_salts.c.day == day)).scalar())


def first_time(store: Store, day: date, line: str) -> bool:
    """Remember a log line (its key); False when it was read before."""
    with store.engine.begin() as conn:
        if conn.execute(select(download_lines.c.line).where(download_lines.c.day == day,
                                                             download_lines.c.line == line)).first():
            return False
        insert_new(conn, download_lines, [{"day": day, "line": line}])
    return True


def add_bytes(store: Store, day: date, client: str, file_name: str, sent: int, app: str, enough: int) -> bool:
    """Add bytes a client received of an episode that day; True when this makes it a download
    (at least ``enough`` bytes, once per client, episode and day)."""
    key = (download_progress.c.day == day, download_progress.c.client == client,
           download_progress.c.file_name == file_name)
    with store.engine.begin() as conn:
        insert_new(conn, download_progress, [{"day": day, "client": client, "file_name": file_name,
                                              "bytes": 0, "counted": 0}])
        conn.execute(update(download_progress).where(*key).values(bytes=download_progress.c.bytes + sent))
        crossed = conn.execute(
            update(download_progress).where(*key, download_progress.c.counted == 0, download_progress.c.bytes >= enough)
            .values(counted=1)
        ).rowcount
        if not crossed:
            return False
        where = (download_counts.c.day == day, download_counts.c.file_name == file_name, download_counts.c.app == app)
        insert_new(conn, download_counts, [{"day": day, "file_name": file_name, "app": app, "count": 0}])
        conn.execute(update(download_counts).where(*where).values(count=download_counts.c["count"] + 1))
    return True


def close_days_before(store: Store, day: date) -> None:
    """Forget every client of the days before ``day``: salts, progress and line keys go; the
    counts stay."""
    with store.engine.begin() as conn:
        for table in (download_salts, download_progress, download_lines):
            conn.execute(delete(table).where(table.c.day < day))


def counts(store: Store, since: date) -> list[DayCount]:
    query = select(download_counts).where(download_counts.c.day >= since).order_by(
        download_counts.c.day, download_counts.c.file_name, download_counts.c.app)
    with store.engine.connect() as conn:
        return [DayCount(r.day, r.file_name, r.app, r.count) for r in conn.execute(query)]

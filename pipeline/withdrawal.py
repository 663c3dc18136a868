"""A minimal withdraw/restore for the console and the API.

The feed branch builds the full feature (``jobs.withdraw`` / ``jobs.restore``); the console
calls those when they exist and these otherwise. Withdrawn: the article's status is
"withdrawn" (the feed leaves it out), its audio and transcripts move to data/withdrawn/ and
an empty tombstone at output/.gone/<same path> makes the servers answer 410 Gone."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import publish
from pipeline.config import Settings
from pipeline.store import Store


def _files(store: Store, article_id: str) -> list[str]:
    names: list[str] = []
    for row in store.all_episodes(article_id):
        names += [row.episode.file_name, publish.transcript_file_name(row.episode.file_name)]
    return names


def withdraw(article_id: str, settings: Settings, store: Store) -> None:
    row = store.get_article(article_id)
    keep = settings.data_dir / "withdrawn"
    for name in _files(store, article_id):
        src = settings.output_dir / "audio" / name
        tomb = settings.output_dir / ".gone" / "audio" / name
        publish.atomic_write(tomb, b"")
        if src.exists():
            keep.mkdir(parents=True, exist_ok=True)
            os.replace(src, keep / name)
    store.set_status(article_id, "withdrawn", "editor", f"withdrawn (was {row.status})")


def restore(article_id: str, settings: Settings, store: Store) -> None:
    keep = settings.data_dir / "withdrawn"
    for name in _files(store, article_id):
        kept: Path = keep / name
        if kept.exists():
            os.replace(kept, settings.output_dir / "audio" / name)
        (settings.output_dir / ".gone" / "audio" / name).unlink(missing_ok=True)
    store.set_status(article_id, "done" if store.latest_episode(article_id) else "new")

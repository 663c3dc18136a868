"""The store as the web app holds it: opened on first use, so the app starts (and /healthz
answers 503) while the database is unreachable, and the pages answer once it is back."""

from __future__ import annotations

from typing import Any

from pipeline.config import Settings
from pipeline.state.store import Store, open_store


class LazyStore:
    """Every attribute is looked up on ``open_store(settings)`` (one store per process and
    database), so nothing is opened before a request needs it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def __getattr__(self, name: str) -> Any:
        return getattr(open_store(self._settings), name)


def lazy_store(settings: Settings) -> Store:
    return LazyStore(settings)  # type: ignore[return-value]

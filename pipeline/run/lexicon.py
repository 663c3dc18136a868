"""The editors' lexicon as the pipeline uses it: the newest saved version (every worker machine
agrees), any older version an episode was spoken with, saving a validated text as a new
version, and which published articles an edit touches."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import Settings
from pipeline.stages.speech import Entry, Lexicon, load_lexicon, parse_lexicon
from pipeline.stages.speech.lexicon import DEFAULT_PATH as LEXICON_PATH
from pipeline.stages.speech.lexicon import LexiconError
from pipeline.stages.speech.lexicon_toml import validate
from pipeline.state import lexicon_versions
from pipeline.state.articles import list_articles
from pipeline.state.episodes import EpisodeRow, published_episodes
from pipeline.state.store import Store, open_store

log = logging.getLogger("newsaudio.lexicon")


def lexicon_path(settings: Settings) -> Path:
    """The file that seeds the lexicon in the store on first start."""
    return settings.lexicon or LEXICON_PATH


@lru_cache(maxsize=32)
def parsed_lexicon(version_id: int, text: str) -> Lexicon:
    return parse_lexicon(text)


def current_lexicon(settings: Settings, store: Store | None = None) -> Lexicon:
    """The editors' lexicon: the newest version in the store, so every worker machine agrees
    (workers run for days and see each save at once). Saves are validated, so it parses; an
    unusable seed leaves an empty lexicon (logged) instead of failing every article."""
    store = store or open_store(settings)
    latest = lexicon_versions.current(store) or _seed(store, lexicon_path(settings))
    if latest is None:
        return Lexicon([])
    try:
        return parsed_lexicon(latest.id, latest.toml)
    except LexiconError as exc:  # saved before validation existed, or edited in the database
        log.error("lexicon version %s is not usable: %s", latest.id, exc)
        return Lexicon([])


def save_lexicon(store: Store, text: str, *, author: str, message: str) -> lexicon_versions.LexiconVersion:
    """Validate ``text`` and store it as the newest version; LexiconError (naming the entry
    that is wrong) when it is not valid: nothing invalid is ever saved."""
    lexicon = validate(text)
    return lexicon_versions.record(store, lexicon.version, text, author=author, message=message)


def _seed(store: Store, seed: Path) -> lexicon_versions.LexiconVersion | None:
    """On first start, the seed file becomes version 1. A broken seed is logged, not saved."""
    try:
        text = seed.read_text(encoding="utf-8")
        validate(text)
    except (OSError, LexiconError) as exc:
        log.error("lexicon seed %s not used: %s", seed, exc)
        return None
    return save_lexicon(store, text, author="setup", message=f"initial version from {seed.name}")


def remember_lexicon(settings: Settings, lexicon: Lexicon) -> None:
    """Every version that spoke an episode must stay comparable entry by entry: the store keeps
    every saved version, so this only checks it is there."""
    if lexicon.entries and lexicon_versions.by_version(open_store(settings), lexicon.version) is None:
        log.warning("lexicon %s spoke an episode but is not in the store", lexicon.version)


_SNAPSHOTS: dict[Path, Lexicon] = {}


def lexicon_at(settings: Settings, version: str) -> Lexicon | None:
    """The lexicon with this version hash: from the store, else a snapshot file an older
    release wrote to data/lexicons/."""
    saved = lexicon_versions.by_version(open_store(settings), version)
    if saved is not None:
        return parsed_lexicon(saved.id, saved.toml)
    if version == Lexicon([]).version:
        return Lexicon([])
    # Snapshots are named by their content hash and never change, so one read per process is
    # enough. Misses are not kept: the snapshot may be written later.
    path = settings.data_dir / "lexicons" / f"{version}.toml"
    if path not in _SNAPSHOTS and path.exists():
        _SNAPSHOTS[path] = load_lexicon(path)
    return _SNAPSHOTS.get(path)


def lexicon_changes_touching(
    settings: Settings, old_version: str, text: str, current: Lexicon | None = None
) -> list[str] | None:
    """The entries changed since ``old_version`` that touch ``text`` (against ``current``, by
    default the editors' lexicon now); None when that version is unknown (then everything must
    be assumed touched)."""
    changed = _changed_since(settings, old_version, current or current_lexicon(settings))
    return None if changed is None else _touching(changed, text)


def _changed_since(settings: Settings, old_version: str, current: Lexicon) -> list[Entry] | None:
    """The entries of ``current`` changed since ``old_version``; None when that version is unknown."""
    if old_version == current.version:
        return []
    old = lexicon_at(settings, old_version)
    return None if old is None else current.changed_entries(old)


def _touching(changed: list[Entry], text: str) -> list[str]:
    return sorted({e.match for e in changed if e.matches(text)})


def only_untouching_lexicon_change(
    settings: Settings, latest: EpisodeRow, text_hash: str, voice_identity: str, text: str, lexicon: Lexicon
) -> bool:
    if latest.episode.text_hash != text_hash or latest.episode.voice != voice_identity:
        return False
    return lexicon_changes_touching(settings, latest.lexicon_version, text, lexicon) == []


@dataclass
class Touched:
    article_id: str
    title: str
    reason: str


def needing_regeneration(
    settings: Settings, *, lexicon: bool = False, fallback_voice: bool = False, store: Store | None = None
) -> list[Touched]:
    """Published articles an editor should regenerate: those whose text a lexicon edit touches,
    and/or those the fallback voice spoke."""
    store = store or open_store(settings)
    current = current_lexicon(settings, store) if lexicon else None
    changes: dict[str, list[Entry] | None] = {}  # per old version: one lookup, not one per episode
    found: list[Touched] = []
    for feed in settings.feeds:
        published = published_episodes(store, feed.name)
        # The articles' texts in one query per feed (after the episodes: each has its article).
        texts = {a.id: a for a in list_articles(store, feed.name)} if lexicon else {}
        for row in published:
            reasons: list[str] = []
            if fallback_voice and row.voice_is_fallback:
                reasons.append(f"spoken by the fallback voice {row.episode.voice}")
            if lexicon:
                assert current is not None
                if row.lexicon_version not in changes:
                    changes[row.lexicon_version] = _changed_since(settings, row.lexicon_version, current)
                changed = changes[row.lexicon_version]
                article = texts[row.article_id].article()
                hits = None if changed is None else _touching(changed, article.text() if article else "")
                if hits is None:
                    reasons.append(f"lexicon {row.lexicon_version} is unknown here")
                elif hits:
                    reasons.append("lexicon entries " + ", ".join(hits))
            if reasons:
                found.append(Touched(row.article_id, row.episode.title, "; ".join(reasons)))
    return found

"""One lexicon edit, made the same way from the console and the API: a draft of the current
lexicon with one entry added, changed or deleted, checked, saved as a new version, and exactly the
published articles it touches queued for regeneration (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.config import Settings
from pipeline.run import requests
from pipeline.run.lexicon import current_lexicon, save_lexicon
from pipeline.stages.speech import Lexicon
from pipeline.stages.speech.lexicon import LexiconError
from pipeline.stages.speech.lexicon_toml import ENTRY_KEYS, make_entry, validate, with_entries
from pipeline.state import accounts, editor_choices, lexicon_versions
from pipeline.state.articles import get_article, list_articles
from pipeline.state.episodes import published_episodes
from pipeline.state.job_records import Job
from pipeline.state.store import Store


@dataclass
class Affected:
    article_id: str
    title: str
    feed: str


def affected_by(settings: Settings, store: Store, old: Lexicon, new: Lexicon) -> list[Affected]:
    """Published articles whose text an edit from ``old`` to ``new`` touches: exactly those a
    save queues for regeneration."""
    changed = new.changed_entries(old)
    if not changed:
        return []
    found: list[Affected] = []
    for feed in sorted({r.feed for r in list_articles(store)}):
        for ep in published_episodes(store, feed):
            row = get_article(store, ep.article_id)
            article = row.article()
            if article is None:
                continue
            text = editor_choices.apply(article, editor_choices.get(store, row.id)).text()
            if any(e.matches(text) for e in changed):
                found.append(Affected(row.id, ep.episode.title or row.title, feed))
    return found


@dataclass
class Draft:
    current: Lexicon
    lexicon: Lexicon
    text: str
    what: str


def draft(settings: Settings, store: Store, fields: dict[str, Any]) -> Draft:
    """The current lexicon with one entry added, changed (``original`` names it) or deleted
    (``delete``); LexiconError naming the entry when the result would not be valid."""
    latest = lexicon_versions.current(store)
    current = current_lexicon(settings, store)
    original = str(fields.get("original") or "")
    entries = [e for e in current.entries if not (original and e.match == original)]
    if original and len(entries) == len(current.entries):
        raise LexiconError(f"{original!r}: no such entry")
    if fields.get("delete"):
        if not original:
            raise LexiconError("choose an entry to delete")
        what = f"delete {original}"
    else:
        chosen = {k: v for k, v in fields.items() if k in ENTRY_KEYS or k == "type"}
        entry = make_entry(chosen)
        if any(e.match == entry.match for e in entries):
            raise LexiconError(f"{entry.match!r}: there is an entry for it already; edit that one")
        entries.append(entry)
        what = f"edit {original}" if original else f"add {entry.match}"
    text = with_entries(latest.toml if latest else "", entries)
    return Draft(current, validate(text), text, what)


@dataclass
class Saved:
    version: lexicon_versions.LexiconVersion
    affected: list[Affected]
    jobs: list[Job]


def save_draft(
    settings: Settings, store: Store, d: Draft, *, dispatch: requests.Dispatch, author: str, actor: str, message: str
) -> Saved:
    """Save the draft as a new version, audit it, and queue exactly the articles it touches."""
    hits = affected_by(settings, store, d.current, d.lexicon)
    saved = save_lexicon(store, d.text, author=author, message=message or d.what)
    accounts.audit(store, actor, "lexicon.save", d.what, {"version": d.current.version},
                   {"version": saved.version, "id": saved.id})
    queued = [requests.submit(settings, "regenerate", h.article_id, actor, store, dispatch=dispatch) for h in hits]
    return Saved(saved, hits, queued)

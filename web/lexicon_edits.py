"""One lexicon edit, made the same way from the console and the API: a draft of the current
lexicon with one entry added, changed or deleted, checked, saved as a new version, and exactly the
published articles it touches queued for regeneration (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.config import Settings
from pipeline.run import requests
from pipeline.run.lexicon import current_lexicon, save_lexicon
from pipeline.run.lexicon_check import check_entries
from pipeline.stages.speech import Lexicon
from pipeline.stages.speech.lexicon import LexiconError
from pipeline.stages.speech.lexicon_toml import ENTRY_KEYS, entry_dict, make_entry, validate, with_entries
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
    new = validate(text)
    # What the voice cannot speak is refused here, for the entries this edit adds or changes
    # (in their new form only: an old entry that was wrong must stay fixable or deletable).
    check_entries([e for e in new.changed_entries(current) if e in new.entries])
    return Draft(current, new, text, what)


def entry_changes(old: Lexicon, new: Lexicon) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(before, after) of an edit for the audit log: the entries removed or changed as they
    were, and the entries added or changed as they are now (unchanged ones left out)."""
    was = {e.match: entry_dict(e) for e in old.entries}
    now = {e.match: entry_dict(e) for e in new.entries}
    before = [was[m] for m in was if now.get(m) != was[m]]
    after = [now[m] for m in now if was.get(m) != now[m]]
    return before, after


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
    before, after = entry_changes(d.current, d.lexicon)
    accounts.audit(store, actor, "lexicon.save", d.what, {"entries": before, "version": d.current.version},
                   {"entries": after, "version": saved.version, "id": saved.id})
    queued = [requests.submit(settings, "regenerate", h.article_id, actor, store, dispatch=dispatch) for h in hits]
    return Saved(saved, hits, queued)

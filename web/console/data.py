"""What the console pages show, gathered from the store (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.config import Settings
from pipeline.run.lexicon import current_lexicon
from pipeline.stages.speech import Lexicon
from pipeline.state import editor_choices
from pipeline.state.articles import ArticleRow, get_article, list_articles
from pipeline.state.episodes import EpisodeRow, all_episodes, published_episodes
from pipeline.state.store import Store


@dataclass
class ArticleLine:
    row: ArticleRow
    latest: EpisodeRow | None
    updated: str


def article_lines(
    store: Store, *, feed: str = "", status: str = "", fallback: bool = False, query: str = ""
) -> list[ArticleLine]:
    rows = list_articles(store, feed or None, status or None)
    newest = {e.article_id: e for e in _newest_all(store)}
    needle = query.strip().lower()
    lines: list[ArticleLine] = []
    for r in rows:
        latest = newest.get(r.id)
        if fallback and not (latest and latest.voice_is_fallback):
            continue
        if needle and needle not in r.title.lower() and needle not in r.url.lower():
            continue
        lines.append(ArticleLine(r, latest, updated(r)))
    return lines


def _newest_all(store: Store) -> list[EpisodeRow]:
    """Newest episode of every article, withdrawn ones included (the list shows them)."""
    rows = all_episodes(store)
    best: dict[str, EpisodeRow] = {}
    for r in rows:
        if r.article_id not in best or r.episode.version > best[r.article_id].episode.version:
            best[r.article_id] = r
    return list(best.values())


def updated(row: ArticleRow) -> str:
    """The row's last change as the lists show it (the row already carries it: no query)."""
    return row.updated_at.strftime("%Y-%m-%d %H:%M") if row.updated_at else ""


@dataclass
class BlockView:
    index: int
    kind: str
    text: str
    spoken: list[str]
    key: str
    excluded: bool
    can_exclude: bool


@dataclass
class ArticleView:
    row: ArticleRow
    episodes: list[EpisodeRow]
    blocks: list[BlockView] = field(default_factory=list)
    options: editor_choices.Options = field(default_factory=editor_choices.Options)


def article_view(settings: Settings, store: Store, article_id: str) -> ArticleView:
    row = get_article(store, article_id)
    view = ArticleView(row, sorted(all_episodes(store, article_id), key=lambda e: -e.episode.version))
    view.options = editor_choices.get(store, article_id)
    article = row.article()
    if article is None:
        return view
    lexicon = current_lexicon(settings, store)
    parts = [("title", article.spoken_title, False)]
    if article.lead:
        parts.append(("lead", article.lead, True))
    parts += [(b.kind, b.text, True) for b in article.blocks]
    for i, (kind, text, can_exclude) in enumerate(parts):
        key = editor_choices.paragraph_key(text)
        view.blocks.append(
            BlockView(i, kind, text, spoken_form(text, lexicon, settings), key, key in view.options.excluded,
                      can_exclude)
        )
    return view


def spoken_form(text: str, lexicon: Lexicon, settings: Settings) -> list[str]:
    try:
        from pipeline.stages.speech.normalize import normalize  # the rules: an article's page only

        return normalize(text, lexicon=lexicon, max_chars=settings.max_segment_chars)
    except Exception as exc:  # show the problem on the page, never a 500 for one odd paragraph
        return [f"[cannot be spoken: {type(exc).__name__}: {exc}]"]


def sentences_with(store: Store, lexicon: Lexicon, limit: int = 5) -> list[str]:
    """Sentences of published articles an entry of ``lexicon`` matches: ready-made preview text."""
    from pipeline.stages.speech import segment

    found: list[str] = []
    for feed in sorted({r.feed for r in list_articles(store)}):
        for ep in published_episodes(store, feed):
            article = get_article(store, ep.article_id).article()
            for text in (article.text().split("\n\n") if article else []):
                if not any(e.matches(text) for e in lexicon.entries):
                    continue
                for sentence in (" ".join(chunks) for chunks in segment.split(text, 10_000)):
                    if any(e.matches(sentence) for e in lexicon.entries) and sentence not in found:
                        found.append(sentence)
                        if len(found) >= limit:
                            return found
    return found

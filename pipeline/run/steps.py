"""What preparing and rendering share: the outcome record, the content key that decides
whether audio must be spoken again, the speech text, synthesis cache and spool for a voice,
mastering with the settings, and recording an article's problem without stopping the others."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.exc import InterfaceError, OperationalError

from pipeline.config import ConfigError, Settings, channel_for
from pipeline.models import Article, NotGerman, Script, Segment, StageError
from pipeline.run.lexicon import only_untouching_lexicon_change
from pipeline.stages import clean
from pipeline.stages.master import Mastered, Tags, master
from pipeline.stages.publish.disclosure import DEFAULT_DISCLOSURE, DISCLOSURE_BLOCK, SyntheticVoice
from pipeline.stages.speech import Lexicon, foreign, to_script
from pipeline.state import editor_choices, leases, webhooks
from pipeline.state.articles import ArticleRow, set_status
from pipeline.state.episodes import EpisodeRow, latest_episode
from pipeline.state.store import Store
from voices import SegmentCache, Voice
from voices.spool import Spool

log = logging.getLogger("newsaudio.steps")


# The store being unreachable (PostgreSQL restarting, SQLite locked too long): retried, not
# recorded as the article's failure.
TRANSIENT: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


# A failed article is retried on later polls, but not forever: a page that is gone stays gone.
MAX_ATTEMPTS = 3


@dataclass
class Outcome:
    article_id: str
    status: str  # done | unchanged | skipped | failed
    reason: str = ""
    message: str = ""
    title: str = ""
    version: int = 0
    file_name: str = ""
    duration_s: float = 0.0
    synthesised: int = 0
    cached: int = 0
    voice: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def content_key(text_hash: str, lexicon_version: str, voice_identity: str, disclosure: str = "") -> str:
    """Same key, same audio: synthesis is skipped when this matches the newest episode.
    ``disclosure`` (the spoken AI disclosure and where it sits, see disclosure_key) is part of
    the audio: another wording or place is other audio. Without one the key is the old key."""
    extra = f"\x00{disclosure}" if disclosure else ""
    return hashlib.sha256(f"{text_hash}\x00{lexicon_version}\x00{voice_identity}{extra}".encode()).hexdigest()


# -- the spoken AI disclosure ----------------------------------------------------------------------

DISCLOSURE_POSITIONS = ("after_title", "end")
_OMITTED: set[str] = set()


def disclosure_for(settings: Settings, feed_name: str | None) -> str:
    """The sentence every episode of the feed speaks to say its voice is synthetic ("" only when
    the feed set omit_ai_disclosure_i_accept_the_legal_risk)."""
    if settings.ai_disclosure_position not in DISCLOSURE_POSITIONS:
        raise ConfigError(f"ai_disclosure_position = {settings.ai_disclosure_position!r}: use one of "
                          f"{', '.join(DISCLOSURE_POSITIONS)}")
    feed = next((f for f in settings.feeds if f.name == feed_name), None)
    channel = channel_for(settings.channel, feed)
    if channel.omit_ai_disclosure_i_accept_the_legal_risk:
        if (feed_name or "") not in _OMITTED:  # once per feed and process, but loudly
            _OMITTED.add(feed_name or "")
            log.warning("feed %s: the spoken AI disclosure is OFF (omit_ai_disclosure_i_accept_the_legal_risk); "
                        "listeners are not told in the audio that the voice is synthetic", feed_name)
        return ""
    return " ".join(channel.ai_disclosure.split()) or DEFAULT_DISCLOSURE


def disclosure_key(disclosure: str, settings: Settings) -> str:
    """What of the disclosure decides "same audio": its wording and its place."""
    return f"ai-disclosure:{settings.ai_disclosure_position}:{disclosure}" if disclosure else ""


def synthetic_voice(voice: Voice, disclosure: str) -> SyntheticVoice:
    """How the voice that spoke is disclosed: a human name from its profile (``display_name``
    when a profile has one, else its description), the fallback named as such."""
    profile = voice.profile
    name = getattr(profile, "display_name", "") or profile.description or profile.name
    return SyntheticVoice(name=name, identity=voice.identity, engine=voice.engine, is_fallback=voice.is_fallback,
                          disclosure=disclosure or DEFAULT_DISCLOSURE)


def record_problem(store: Store, row: ArticleRow, exc: Exception, timings: dict[str, float]) -> Outcome:
    """Record why one article went no further; never raise for the article's own problems, so
    the other articles go on. An outage of the store is not the article's problem: it is
    raised, and the task is retried with backoff."""
    if isinstance(exc, (*TRANSIENT, leases.Busy)):
        raise exc
    if type(exc).__name__ == "SoftTimeLimitExceeded":  # Celery's soft limit, raised inside the stage
        set_status(store, row.id, "failed", "time-limit", "the task ran out of time (synth_task_limit_s)")
        return Outcome(row.id, "failed", "time-limit", "the task ran out of time", title=row.title, timings=timings)
    if isinstance(exc, (NotGerman, clean.TooLong)):
        status, reason, message = "skipped", exc.reason, str(exc)
    elif isinstance(exc, StageError):
        status, reason, message = "failed", exc.reason, str(exc)
        log.warning("article %s (%s) failed: %s", row.id, row.url, exc)
    else:  # a bug in one stage must not stop the other articles
        status, reason, message = "failed", "internal-error", f"{type(exc).__name__}: {exc}"
        log.error("article %s (%s): unexpected error", row.id, row.url, exc_info=exc)
    set_status(store, row.id, status, reason, message)
    if status == "failed":
        announce(store, "audio.failed", row, reason=reason, message=message)
    return Outcome(row.id, status, reason, message, title=row.title, timings=timings)


def announce(store: Store, event: str, row: ArticleRow, **extra: object) -> None:
    """Queue the webhooks' deliveries for an event (sent by the web process; see webhooks.py).
    A problem here never changes the article's outcome."""
    try:
        webhooks.announce(store, event, {"article_id": row.id, "url": row.url, "guid": row.guid,
                                         "feed": row.feed, **extra})
    except Exception:
        log.exception("webhooks: could not queue %s for %s", event, row.id)


def language_guesses(article: Article, settings: Settings, lexicon: Lexicon, disclosure: str = "") -> dict[str, Any]:
    """What the speech stage asks the language identifier about this article, answered here (in
    the process that prepares it): recorded with the article, so the synth worker that speaks it
    finds the answers and never loads the identifier's models beside its voice."""
    if not settings.foreign_spans:
        return {}
    try:
        with foreign.recording() as answers:
            for text in (article, Article(disclosure, [])) if disclosure else (article,):
                to_script(text, lexicon=lexicon, max_chars=settings.max_segment_chars, foreign_spans=True)
    except Exception:  # the render asks again itself: never a reason to fail a preparation
        log.exception("language guesses for %s", article.url)
        return {}
    return answers


def script_for(
    article: Article, settings: Settings, voice: Voice, lexicon: Lexicon, *, disclosure: str = "",
    guesses: Mapping[str, Any] | None = None,
) -> Script:
    """The article's Script; with ``disclosure`` (see disclosure_for) that sentence is spoken
    as segments of its own (block DISCLOSURE_BLOCK), after the title or at the end. ``guesses``
    are the language identifier's answers recorded when the article was prepared."""
    pauses = voice.profile.pauses
    if guesses and settings.foreign_spans:
        foreign.known(guesses)

    def spoken(text: Article) -> Script:
        return to_script(text, lexicon=lexicon, max_chars=settings.max_segment_chars, pause_title_ms=pauses.title_ms,
                         pause_paragraph_ms=pauses.paragraph_ms, pause_sentence_ms=pauses.sentence_ms,
                         foreign_spans=settings.foreign_spans)

    script = spoken(article)
    if not disclosure:
        return script
    # Normalised like any text (the lexicon applies), so it is spoken, and cached, like any
    # segment; "paragraph" segments in block -1: no chapter starts there (master._timeline).
    ours = [replace(s, kind="paragraph", block=DISCLOSURE_BLOCK) for s in spoken(Article(disclosure, [])).segments]
    if not ours:
        return script
    ours[-1] = replace(ours[-1], pause_after_ms=pauses.paragraph_ms)
    segments: list[Segment] = list(script.segments)
    if settings.ai_disclosure_position == "end" or not segments:
        segments += ours
    else:
        titled = sum(1 for s in segments if s.block == 0 and s.kind == "title")
        segments[titled:titled] = ours
    return Script(segments=segments, lexicon_version=script.lexicon_version, language=script.language)


def master_speech(
    script: Script, pcm: Sequence[np.ndarray], voice: Voice, tags: Tags | None, settings: Settings
) -> Mastered:
    return master(
        script.segments,
        pcm,
        voice.sample_rate,
        tags,
        target_lufs=settings.target_lufs,
        true_peak_dbtp=settings.true_peak_dbtp,
        out_rate=settings.sample_rate,
        bitrate_kbps=settings.bitrate_kbps,
        mp3_quality=settings.mp3_quality,
        sizes=pcm.sizes() if isinstance(pcm, Spool) else None,
    )


def spool_for(settings: Settings) -> Spool:
    """Where a render's speech waits for mastering: on disk, not in memory (voices/spool.py)."""
    return Spool(settings.data_dir / "spool")


def segment_cache(settings: Settings) -> SegmentCache | None:
    if not settings.cache_dir:
        return None
    return SegmentCache(settings.cache_dir, settings.cache_max_mb * 1024 * 1024, settings.cache_keep_days)


def audio_key(
    store: Store, article_id: str, article: Article, script: Script, voice: Voice, lexicon: Lexicon,
    settings: Settings, *, force: bool = False, disclosure: str = "",
) -> tuple[str, EpisodeRow | None, bool]:
    """The article's content key, its newest episode, and whether that episode already has
    this audio (``force``: never). A lexicon edit that touches none of its words keeps the key;
    ``disclosure`` (the spoken AI disclosure, as script_for got it) is part of the key."""
    text_hash = article.text_hash()
    said = disclosure_key(disclosure, settings)
    key = content_key(text_hash, script.lexicon_version, voice.identity, said)
    latest = latest_episode(store, article_id)
    # Only the lexicon version may differ for the shortcut: an episode voiced with another (or
    # without a) disclosure has other audio whatever the lexicon did.
    same_but_lexicon = latest is not None and latest.content_key == content_key(
        text_hash, latest.lexicon_version, voice.identity, said)
    spoken = article.text() + (f"\n\n{disclosure}" if disclosure else "")
    if not force and latest and latest.content_key != key and same_but_lexicon and only_untouching_lexicon_change(
        settings, latest, text_hash, voice.identity, spoken, lexicon
    ):
        key = latest.content_key  # a lexicon edit elsewhere: this article sounds the same
    return key, latest, not force and latest is not None and latest.content_key == key


def as_chosen(
    store: Store, article_id: str, article: Article | None, settings: Settings
) -> tuple[Article | None, str]:
    """The article as an editor chose it be spoken (paragraphs left out) and its voice."""
    options = editor_choices.get(store, article_id)
    if article is not None:
        article = editor_choices.apply(article, options)
    return article, options.voice or settings.voice


def remove_episode_files(mp3: Path) -> None:
    for path in mp3.parent.glob(mp3.stem + ".*"):
        path.unlink(missing_ok=True)

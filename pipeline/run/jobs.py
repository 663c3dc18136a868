"""The one place that knows the order of the stages. The CLI and the Celery tasks both call
these functions, so the embedded run and the distributed run are the same code.

Per article: prepare (fetch, extract, check language) then render (speech text, synthesis,
mastering, publish the MP3). Each records its outcome in the store and never raises for a
problem with one article, so one bad article never stops the others.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
from sqlalchemy.exc import InterfaceError, OperationalError

from pipeline.config import FeedConfig, Settings
from pipeline.models import Article, Block, FetchError, NotGerman, Script, StageError
from pipeline.run import published, upkeep
from pipeline.run import reconcile as reconciling
from pipeline.stages import clean, feed_items, fragments, freshness, publish, split
from pipeline.stages import feeds as feeds_stage
from pipeline.stages.extract import extract, is_german
from pipeline.stages.fetch import fetch
from pipeline.stages.master import Mastered, Tags, master
from pipeline.stages.speech import Lexicon, load_lexicon, parse_lexicon, to_script
from pipeline.stages.speech.lexicon import DEFAULT_PATH as LEXICON_PATH
from pipeline.stages.speech.lexicon import LexiconError
from pipeline.state import editor_choices, leases, lexicon_versions, webhooks
from pipeline.state.store import ArticleRow, DuplicateEpisode, EpisodeRow, Store
from voices import SegmentCache, SpeakStats, Voice, load_voice, real_time_factor, speak
from voices.spool import Spool

log = logging.getLogger("newsaudio.jobs")

# The store being unreachable (PostgreSQL restarting, SQLite locked too long): retried, not
# recorded as the article's failure.
TRANSIENT: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

# A failed article is retried on later polls, but not forever: a page that is gone stays gone.
MAX_ATTEMPTS = 3

# (article id, title, stage, detail): who hears which stage an article enters, e.g. the CLI's
# progress. A context variable, so the stage functions keep their signatures and workers pay nothing.
StageCallback = Callable[[str, str, str, str], None]
_on_stage: ContextVar[StageCallback | None] = ContextVar("newsaudio_on_stage", default=None)


@contextmanager
def reporting_stages(callback: StageCallback | None) -> Iterator[None]:
    """Call ``callback`` each time an article enters a stage (fetch, extract, speech,
    synthesis, master, publish) inside this block."""
    token = _on_stage.set(callback)
    try:
        yield
    finally:
        _on_stage.reset(token)


def _stage(article_id: str, title: str, stage: str, detail: str = "") -> None:
    callback = _on_stage.get()
    if callback is not None:
        callback(article_id, title, stage, detail)


class _CountingVoice:
    """The voice, telling the stage listener each time it has spoken a segment: synthesis of a
    long article takes minutes, and an operator should see it move."""

    def __init__(self, voice: Voice, report: Callable[[int], None]) -> None:
        self._voice = voice
        self._report = report
        self._spoken = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._voice, name)

    def synthesize(self, *args: object, **kwargs: object) -> np.ndarray:
        pcm = self._voice.synthesize(*args, **kwargs)
        self._spoken += 1
        self._report(self._spoken)
        return pcm


def _counting(voice: Voice, article_id: str, title: str, total: int) -> Voice:
    if _on_stage.get() is None:
        return voice  # nobody listens (a worker): the voice itself
    report = lambda n: _stage(article_id, title, "synthesis", f"{n}/{total} segments spoken")  # noqa: E731
    return _CountingVoice(voice, report)  # type: ignore[return-value]


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


@dataclass
class PollResult:
    feed: str
    article_ids: list[str]
    new: int = 0
    not_modified: bool = False
    error: str = ""
    changed: int = 0  # known entries whose feed item changed
    entries: int = 0  # entries in the feed (0 when it was not modified)


@lru_cache(maxsize=8)
def _store(url: str) -> Store:
    return Store(url)


def open_store(settings: Settings) -> Store:
    """One store (engine and connection pool) per process and database."""
    return _store(settings.db_url)


def lexicon_path(settings: Settings) -> Path:
    """The file that seeds the lexicon in the store on first start."""
    return settings.lexicon or LEXICON_PATH


@lru_cache(maxsize=32)
def _parsed(version_id: int, text: str) -> Lexicon:
    return parse_lexicon(text)


def current_lexicon(settings: Settings, store: Store | None = None) -> Lexicon:
    """The editors' lexicon: the newest version in the store, so every worker machine agrees
    (workers run for days and see each save at once). Saves are validated, so it parses; an
    unusable seed leaves an empty lexicon (logged) instead of failing every article."""
    store = store or open_store(settings)
    latest = lexicon_versions.current(store) or lexicon_versions.ensure_initial(store, lexicon_path(settings))
    if latest is None:
        return Lexicon([])
    try:
        return _parsed(latest.id, latest.toml)
    except LexiconError as exc:  # saved before validation existed, or edited in the database
        log.error("lexicon version %s is not usable: %s", latest.id, exc)
        return Lexicon([])


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
        return _parsed(saved.id, saved.toml)
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
    current = current or current_lexicon(settings)
    if old_version == current.version:
        return []
    old = lexicon_at(settings, old_version)
    if old is None:
        return None
    return sorted({e.match for e in current.changed_entries(old) if e.matches(text)})


def content_key(text_hash: str, lexicon_version: str, voice_identity: str) -> str:
    """Same key, same audio: synthesis is skipped when this matches the newest episode."""
    return hashlib.sha256(f"{text_hash}\x00{lexicon_version}\x00{voice_identity}".encode()).hexdigest()


def poll_feed(
    feed: FeedConfig, settings: Settings, store: Store | None = None, *, now: datetime | None = None
) -> PollResult:
    """Poll one feed and return the ids of the articles that need work: new entries, changed
    entries, due revisits and retries. Known, unchanged entries are not touched."""
    store = store or open_store(settings)
    now = now or datetime.now(UTC)
    store.upsert_feed(feed.name, feed.url, feed.title)
    etag, modified = store.feed_state(feed.name)
    scan = feed_items.Scan()

    def unseen(body: bytes) -> bytes:
        return feed_items.unseen_items(body, lambda hashes: store.known_items(feed.name, hashes), scan)

    try:
        result = feeds_stage.poll(feed.url, settings, etag=etag, modified=modified, prefilter=unseen)
    except StageError as exc:
        store.record_poll(feed.name, etag=None, modified=None, error=str(exc))
        log.error("feed %s: %s", feed.name, exc)
        return PollResult(feed=feed.name, article_ids=_work_needed(store, feed.name, now), error=str(exc))
    store.record_poll(feed.name, etag=result.etag, modified=result.modified)
    if result.not_modified:
        log.info("feed %s: not modified since last poll", feed.name)
        return PollResult(feed=feed.name, article_ids=_work_needed(store, feed.name, now), not_modified=True)
    for refused in result.refused:
        log.warning("feed %s: entry left out: %s", feed.name, refused)
    entries = [
        (feeds_stage.entry_id(feed.name, e.guid), e, freshness.entry_fingerprint(e), scan.item_hash(e.guid, e.url))
        for e in result.entries
    ]
    new, changed = store.record_entries(feed.name, entries, now)
    ids = _work_needed(store, feed.name, now)
    total = len(entries) + scan.known
    log.info("feed %s: %d entries (%d unchanged byte for byte), %d new, %d changed, %d need work",
             feed.name, total, scan.known, new, changed, len(ids))
    return PollResult(feed=feed.name, article_ids=ids, new=new, changed=changed, entries=total)


def _work_needed(store: Store, feed_name: str, now: datetime) -> list[str]:
    return store.work_needed(feed_name, now, MAX_ATTEMPTS)


def _record_problem(store: Store, row: ArticleRow, exc: Exception, timings: dict[str, float]) -> Outcome:
    """Record why one article went no further; never raise for the article's own problems, so
    the other articles go on. An outage of the store is not the article's problem: it is
    raised, and the task is retried with backoff."""
    if isinstance(exc, (*TRANSIENT, leases.Busy)):
        raise exc
    if type(exc).__name__ == "SoftTimeLimitExceeded":  # Celery's soft limit, raised inside the stage
        store.set_status(row.id, "failed", "time-limit", "the task ran out of time (synth_task_limit_s)")
        return Outcome(row.id, "failed", "time-limit", "the task ran out of time", title=row.title, timings=timings)
    if isinstance(exc, (NotGerman, clean.TooLong)):
        status, reason, message = "skipped", exc.reason, str(exc)
    elif isinstance(exc, StageError):
        status, reason, message = "failed", exc.reason, str(exc)
        log.warning("article %s (%s) failed: %s", row.id, row.url, exc)
    else:  # a bug in one stage must not stop the other articles
        status, reason, message = "failed", "internal-error", f"{type(exc).__name__}: {exc}"
        log.error("article %s (%s): unexpected error", row.id, row.url, exc_info=exc)
    store.set_status(row.id, status, reason, message)
    if status == "failed":
        _announce(store, "audio.failed", row, reason=reason, message=message)
    return Outcome(row.id, status, reason, message, title=row.title, timings=timings)


def _announce(store: Store, event: str, row: ArticleRow, **extra: object) -> None:
    """Queue the webhooks' deliveries for an event (sent by the web process; see webhooks.py).
    A problem here never changes the article's outcome."""
    try:
        webhooks.announce(store, event, {"article_id": row.id, "url": row.url, "guid": row.guid,
                                         "feed": row.feed, **extra})
    except Exception:
        log.exception("webhooks: could not queue %s for %s", event, row.id)


def prepare_article(
    article_id: str, settings: Settings, store: Store | None = None, *, now: datetime | None = None
) -> Outcome:
    """Fetch and clean one article; the cleaned Article is saved in the store for rendering.

    A finished article is fetched conditionally (its page's ETag / Last-Modified): a 304 leaves
    it as it is, without extraction, and returns "unchanged"."""
    store = store or open_store(settings)
    row = store.get_article(article_id)
    if row.status == "withdrawn":  # an editor or a gone page took it out: stays out until restored
        return Outcome(article_id, "withdrawn", row.reason, row.message, title=row.title)
    etag, modified, seen_at = store.page_state(article_id)
    now = now or datetime.now(UTC)
    due = freshness.next_check(seen_at, now, freshness.parse_schedule(settings.revisit_after))
    headers: dict[str, str] = {}
    if row.status in ("done", "skipped"):
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
    timings: dict[str, float] = {}
    try:
        _stage(article_id, row.title, "fetch", row.url)
        start = time.perf_counter()
        page = fetch(row.url, settings, headers=headers)
        timings["fetch"] = time.perf_counter() - start
        if page.status == 304:
            if not headers:
                raise FetchError(f"page {row.url} answered 304 to a plain GET", reason="http-304")
            store.record_check(article_id, due)
            return Outcome(article_id, "unchanged", title=row.title, timings=timings)
        _stage(article_id, row.title, "extract")
        start = time.perf_counter()
        article = extract_page(page.text, page.url, settings, allow_file=settings.allow_local_files)
        clean.check_length(article, settings.max_article_chars)
        timings["extract"] = time.perf_counter() - start
        if settings.skip_non_german and not is_german(article):
            raise NotGerman(
                f"article language is {article.language or 'unknown'}, the voice speaks German; "
                "set skip_non_german = false to voice it anyway"
            )
    except Exception as exc:
        store.record_check(article_id, due)
        outcome = _record_problem(store, row, exc, timings)
        if published.withdraw_if_gone(row, outcome.reason, settings, store):
            gone = store.get_article(article_id)
            return Outcome(article_id, "withdrawn", gone.reason, gone.message, title=row.title, timings=timings)
        return outcome
    if not article.url:
        article.url = clean.clean_url(row.url, allow_file=settings.allow_local_files)
    store.save_prepared(article_id, article)
    lower = {k.lower(): v for k, v in page.headers.items()}
    store.record_check(article_id, due, etag=lower.get("etag"), modified=lower.get("last-modified"), validators=True)
    return Outcome(article_id, "prepared", title=article.spoken_title, timings=timings)


def settled(article_id: str, settings: Settings, store: Store | None = None) -> Outcome | None:
    """None when the article waits for rendering (it was just prepared); else where it stands,
    e.g. after a 304 or a failed fetch, so the Celery chain skips the synth step."""
    row = (store or open_store(settings)).get_article(article_id)
    if row.status == "prepared":
        return None
    return Outcome(article_id, "unchanged" if row.status == "done" else row.status, row.reason, row.message,
                   title=row.title)


def _script(article: Article, settings: Settings, voice: Voice, lexicon: Lexicon) -> Script:
    pauses = voice.profile.pauses
    return to_script(
        article,
        lexicon=lexicon,
        max_chars=settings.max_segment_chars,
        pause_title_ms=pauses.title_ms,
        pause_paragraph_ms=pauses.paragraph_ms,
        pause_sentence_ms=pauses.sentence_ms,
    )


def _master(
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


def _spool(settings: Settings) -> Spool:
    """Where a render's speech waits for mastering: on disk, not in memory (voices/spool.py)."""
    return Spool(settings.data_dir / "spool")


def say(
    text: str, settings: Settings, voice_name: str | None = None, lexicon: Lexicon | None = None
) -> tuple[Mastered, Voice]:
    """Any German text (paragraphs separated by blank lines) as a mastered MP3, through the same
    speech, voice and mastering settings as an article; ``lexicon`` previews a draft."""
    voice = load_voice(voice_name or settings.voice, settings)
    article = Article(title="", blocks=[Block("paragraph", p) for p in text.split("\n\n") if p.strip()])
    script = _script(article, settings, voice, lexicon or current_lexicon(settings))
    if not script.segments:
        raise ValueError("nothing to say: the text is empty")
    pcm, _ = speak(script, voice, None)
    return _master(script, pcm, voice, Tags(title=text[:60], artist="newsaudio", album="newsaudio"), settings), voice


def _cache(settings: Settings) -> SegmentCache | None:
    return SegmentCache(settings.cache_dir, settings.cache_max_mb * 1024 * 1024) if settings.cache_dir else None


def plan_parts(article_id: str, settings: Settings, store: Store | None = None) -> int:
    """How many synth tasks should speak this article in parallel (1 = render it directly)."""
    store = store or open_store(settings)
    row = store.get_article(article_id)
    article, voice_name = _as_chosen(store, article_id, row.article(), settings)
    if article is None or row.status not in ("prepared", "done") or settings.segments_per_task <= 0:
        return 1
    voice = load_voice(voice_name, settings)
    lexicon = current_lexicon(settings)
    script = _script(article, settings, voice, lexicon)
    count = len(script.segments)
    if count <= settings.segments_per_task:
        return 1
    if _audio_key(store, article_id, article, script, voice, lexicon, settings)[2]:
        return 1  # its audio is published already: the render says "unchanged"
    # Only a voice slow enough that synthesis is the bulk is worth splitting.
    factor = real_time_factor(voice)
    return split.parts_for(count, settings.segments_per_task, factor, settings.split_min_rtf)


def speak_part(article_id: str, part: int, parts: int, settings: Settings, store: Store | None = None) -> int:
    """Speak one contiguous part of an article (cut between blocks) into the sentence cache
    and master it on its own: rendering joins the parts' MP3s (pipeline/fragments.py), so
    mastering is spread over the workers like synthesis. Returns how many segments it
    synthesised."""
    store = store or open_store(settings)
    article, voice_name = _as_chosen(store, article_id, store.get_article(article_id).article(), settings)
    if article is None:
        return 0
    voice = load_voice(voice_name, settings)
    lexicon = current_lexicon(settings)
    script = _script(article, settings, voice, lexicon)
    bounds = split.part_bounds(script.segments, parts)
    if part >= len(bounds) - 1:
        return 0  # fewer blocks than parts: the others speak it all
    key, _, unchanged = _audio_key(store, article_id, article, script, voice, lexicon, settings)
    target = fragments.path(settings, article_id, key, part, len(bounds) - 1)
    if unchanged or target.exists():
        return 0  # the audio is published already, or this part is done (a redelivered task)
    share = Script(script.segments[bounds[part] : bounds[part + 1]], script.lexicon_version, script.language)
    with _spool(settings) as spool:
        pcm, stats = speak(share, voice, _cache(settings), into=spool)
        mastered = _master(share, pcm, voice, None, settings)
    fragments.save(target, mastered)
    return stats.synthesised


def extract_page(html: str, url: str, settings: Settings, *, allow_file: bool) -> Article:
    """The article of a page, cleaned once, here: everything after it (feed, JSON, ID3,
    terminal) gets printable text and only http(s) (or, allowed, file:) links."""
    article = extract(clean.clean_html(html), url, rules_dir=settings.site_rules)
    return clean.clean_article(article, title_limit=settings.max_title_chars, allow_file=allow_file)


def _audio_key(
    store: Store, article_id: str, article: Article, script: Script, voice: Voice, lexicon: Lexicon,
    settings: Settings, *, force: bool = False,
) -> tuple[str, EpisodeRow | None, bool]:
    """The article's content key, its newest episode, and whether that episode already has
    this audio (``force``: never). A lexicon edit that touches none of its words keeps the key."""
    text_hash = article.text_hash()
    key = content_key(text_hash, script.lexicon_version, voice.identity)
    latest = store.latest_episode(article_id)
    if not force and latest and latest.content_key != key and _only_untouching_lexicon_change(
        settings, latest, text_hash, voice.identity, article.text(), lexicon
    ):
        key = latest.content_key  # a lexicon edit elsewhere: this article sounds the same
    return key, latest, not force and latest is not None and latest.content_key == key


def _as_chosen(
    store: Store, article_id: str, article: Article | None, settings: Settings
) -> tuple[Article | None, str]:
    """The article as an editor chose it be spoken (paragraphs left out) and its voice."""
    options = editor_choices.get(store, article_id)
    if article is not None:
        article = editor_choices.apply(article, options)
    return article, options.voice or settings.voice


def render_article(
    article_id: str, settings: Settings, store: Store | None = None, *, force: bool = False
) -> Outcome:
    """Speak a prepared article and publish its MP3, unless the same audio already exists
    (``force``: speak it again all the same, e.g. after a fix in a voice or the lexicon code).

    One render per article at a time (a lease in the store): a second one, e.g. a redelivered
    task while the first still runs, returns ``busy`` without touching any file."""
    store = store or open_store(settings)
    try:
        with leases.held(store, leases.render(article_id), settings.lease_s) as holder:
            return _render_article(article_id, settings, store, holder, force=force)
    except leases.Busy as exc:
        row = store.get_article(article_id)
        return Outcome(article_id, "busy", "busy", str(exc), title=row.title)


def _render_article(article_id: str, settings: Settings, store: Store, holder: str, *, force: bool = False) -> Outcome:
    row = store.get_article(article_id)
    article, voice_name = _as_chosen(store, article_id, row.article(), settings)
    if article is None or row.status not in ("prepared", "done"):
        return Outcome(article_id, row.status, row.reason, row.message or "not prepared", title=row.title)
    timings: dict[str, float] = {}
    try:
        _stage(article_id, article.spoken_title, "speech")
        start = time.perf_counter()
        voice = load_voice(voice_name, settings)
        timings["voice-load"] = time.perf_counter() - start
        start = time.perf_counter()
        lexicon = current_lexicon(settings)
        script = _script(article, settings, voice, lexicon)
        timings["speech"] = time.perf_counter() - start
        text_hash = article.text_hash()
        key, latest, unchanged = _audio_key(store, article_id, article, script, voice, lexicon, settings, force=force)
        if unchanged:
            assert latest is not None
            store.set_status(article_id, "done")
            return Outcome(
                article_id, "unchanged", title=article.spoken_title, version=latest.episode.version,
                file_name=latest.episode.file_name, duration_s=latest.episode.duration_s,
                voice=voice.identity, timings=timings,
            )
        channel = published.channel_of(settings, row.feed)
        tags = Tags(
            title=article.spoken_title,
            artist=article.site_name or settings.channel.author,
            album=channel.title,
            url=article.canonical_url or article.url,
            date=article.published or row.published,
        )
        parts = fragments.complete(settings, article_id, key)
        start = time.perf_counter()
        if parts:  # parallel part tasks spoke and mastered it: join their MP3s
            _stage(article_id, article.spoken_title, "master", f"joining {len(parts)} parts mastered in parallel")
            stats = SpeakStats(cached=len(script.segments))
            mastered = fragments.join(parts, tags)
            timings["join"] = time.perf_counter() - start
        else:
            _stage(article_id, article.spoken_title, "synthesis", f"{len(script.segments)} segments")
            with _spool(settings) as spool:
                pcm, stats = speak(script, _counting(voice, article_id, article.spoken_title, len(script.segments)),
                                   _cache(settings), into=spool)
                timings["synthesis"] = time.perf_counter() - start
                _stage(article_id, article.spoken_title, "master")
                start = time.perf_counter()
                mastered = _master(script, pcm, voice, tags, settings)
            timings["master"] = time.perf_counter() - start
        _stage(article_id, article.spoken_title, "publish")
        start = time.perf_counter()
        remember_lexicon(settings, lexicon)
        version = (latest.episode.version if latest else 0) + 1
        file_name = publish.audio_file_name(article_id, version)
        cues, timed = published.timed_files(
            file_name, script.segments, mastered.spans, mastered.chapters, mastered.duration_s,
            title=article.spoken_title, podcast=channel.title,
        )
        # Write-once: this version has no record yet (we hold the lease, and it is newer than the
        # newest record), so a file under its name is a leftover of a killed render.
        if not leases.holds(store, leases.render(article_id), holder):
            raise leases.Busy(f"{leases.render(article_id)} lapsed during the render (store unreachable too long)")
        written = publish.write_audio(
            settings.output_dir, file_name, mastered.mp3, transcript=article.text() + "\n", sidecars=timed
        )
        try:
            store.add_episode(
                article_id,
                version=version,
                voice=voice.identity,
                voice_is_fallback=voice.is_fallback,
                text_hash=text_hash,
                lexicon_version=script.lexicon_version,
                content_key=key,
                file_name=file_name,
                size=len(mastered.mp3),
                duration_s=mastered.duration_s,
                title=article.spoken_title,
                description=article.lead or (article.paragraphs[:1] or [""])[0],
                chapters=mastered.chapters,
                image=article.image,
                cues=[c.to_dict() for c in cues] if cues else None,
                done=True,
            )
        except DuplicateEpisode:
            # The same task ran twice at once (a redelivery): the other run published this version.
            log.info("article %s v%d was published by a concurrent run", article_id, version)
            return Outcome(article_id, "unchanged", title=article.spoken_title, version=version,
                           file_name=file_name, voice=voice.identity, timings=timings)
        except Exception:
            # No file without a record: the store could not take it (an outage), so the files
            # go, and the task is retried.
            _remove_episode_files(written)
            raise
        fragments.remove(settings, article_id)
        published.write_player_data(settings, store, article_id)
        timings["publish"] = time.perf_counter() - start
    except Exception as exc:
        return _record_problem(store, row, exc, timings)
    _announce(store, "audio.published", row, version=version,
              audio_url=publish.audio_url(settings.public_base_url, file_name))
    return Outcome(
        article_id, "done", title=article.spoken_title, version=version, file_name=file_name,
        duration_s=mastered.duration_s, synthesised=stats.synthesised, cached=stats.cached,
        voice=voice.identity, timings=timings,
    )


def _remove_episode_files(mp3: Path) -> None:
    for path in mp3.parent.glob(mp3.stem + ".*"):
        path.unlink(missing_ok=True)


def _only_untouching_lexicon_change(
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
    current = current_lexicon(settings) if lexicon else None
    found: list[Touched] = []
    for feed in settings.feeds:
        published = store.published_episodes(feed.name)
        # The articles' texts in one query per feed (after the episodes: each has its article).
        texts = {a.id: a for a in store.list_articles(feed.name)} if lexicon else {}
        for row in published:
            reasons: list[str] = []
            if fallback_voice and row.voice_is_fallback:
                reasons.append(f"spoken by the fallback voice {row.episode.voice}")
            if lexicon:
                article = texts[row.article_id].article()
                hits = lexicon_changes_touching(
                    settings, row.lexicon_version, article.text() if article else "", current
                )
                if hits is None:
                    reasons.append(f"lexicon {row.lexicon_version} is unknown here")
                elif hits:
                    reasons.append("lexicon entries " + ", ".join(hits))
            if reasons:
                found.append(Touched(row.article_id, row.episode.title, "; ".join(reasons)))
    return found


def process_article(
    article_id: str, settings: Settings, store: Store | None = None, *, force: bool = False,
    now: datetime | None = None,
) -> Outcome:
    prepared = prepare_article(article_id, settings, store, now=now)
    # Forced, an unchanged page (a 304) is voiced again from its stored text all the same.
    if prepared.status != "prepared" and not (force and prepared.status == "unchanged"):
        return prepared
    rendered = render_article(article_id, settings, store, force=force)
    rendered.timings = {**prepared.timings, **rendered.timings}
    return rendered


def publish_feed(feed_name: str, settings: Settings, store: Store | None = None) -> Path:
    """Render the feed (newest max_items) from the store; write what changed (published.py)."""
    return published.publish_feed(feed_name, settings, store or open_store(settings))


def resolve_article(text: str, settings: Settings, store: Store | None = None) -> str:
    """The id of the article named by its id, URL (feed or canonical) or GUID; raises
    store.UnknownArticle with a one-line message when none (or several) match."""
    return published.resolve_article(text, store or open_store(settings))


def withdraw(
    article: str, settings: Settings, *, message: str = "", store: Store | None = None
) -> published.Withdrawal:
    """Withdraw the article named by id, URL or GUID: out of feed and indexes, files 410."""
    store = store or open_store(settings)
    return published.withdraw_article(resolve_article(article, settings, store), settings, store, message=message)


def restore(article: str, settings: Settings, store: Store | None = None) -> published.Withdrawal:
    """Undo a withdrawal (published.WithdrawalError when the article is not withdrawn)."""
    store = store or open_store(settings)
    return published.restore_article(resolve_article(article, settings, store), settings, store)


def start_sweep(settings: Settings, store: Store) -> None:
    """Leftovers of killed processes: stale temp files and episode files without a record."""
    upkeep.sweep_tmp(settings.output_dir, settings.stale_tmp_s)
    upkeep.sweep_cache_tmp(settings.cache_dir, settings.stale_tmp_s)
    fragments.sweep(settings, settings.stale_tmp_s)
    upkeep.sweep_orphans(settings.audio_dir, store)


def sweep_at_start(settings: Settings) -> None:
    """start_sweep with a store of its own, closed after: a Celery worker runs this in its main
    process, and pool processes forked later must not inherit open database connections. A
    store that does not answer is logged, not raised: the reconciler sweeps later."""
    try:
        store = Store(settings.db_url)
    except Exception:  # noqa: BLE001 - the store may be down
        log.exception("sweep at start: store unreachable")
        return
    try:
        start_sweep(settings, store)
    except Exception:  # noqa: BLE001
        log.exception("sweep at start failed")
    finally:
        store.close()


def reconcile(settings: Settings, store: Store | None = None) -> reconciling.Findings:
    """The periodic pass: sweep leftovers, and find the articles stuck past their deadline
    (their deadline starts again now: one re-queue per stuck_after_s) and the feeds behind
    their episodes. The caller queues the work."""
    store = store or open_store(settings)
    start_sweep(settings, store)
    found = reconciling.find(settings, store)
    for row in found.stuck:
        log.warning("article %s stuck in %s since %s: queued again", row.id, row.status, row.updated_at)
        store.touch(row.id)
    for feed_name in found.feeds_behind:
        log.warning("feed %s is behind its newest episode: publishing", feed_name)
    return found


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    polls: list[PollResult] = field(default_factory=list)
    feed_paths: list[Path] = field(default_factory=list)

    @property
    def failed_polls(self) -> list[PollResult]:
        return [p for p in self.polls if p.error]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def synthesised_segments(self) -> int:
        return sum(o.synthesised for o in self.outcomes)


def run(
    settings: Settings,
    *,
    feed_names: list[str] | None = None,
    on_article: Callable[[Outcome], None] | None = None,
    on_poll: Callable[[PollResult], None] | None = None,
    on_stage: StageCallback | None = None,
) -> RunSummary:
    """Poll every configured feed, process what needs it, publish each feed: in this process."""
    store = open_store(settings)
    start_sweep(settings, store)
    summary = RunSummary()
    chosen = [settings.feed(n) for n in feed_names] if feed_names else settings.feeds
    with reporting_stages(on_stage):
        for feed in chosen:
            polled = poll_feed(feed, settings, store)
            summary.polls.append(polled)
            if on_poll:
                on_poll(polled)
            outcomes = []
            for article_id in polled.article_ids:
                outcome = process_article(article_id, settings, store)
                outcomes.append(outcome)
                if on_article:
                    on_article(outcome)
            summary.outcomes.extend(outcomes)
            if polled.error and not any(o.status == "done" for o in outcomes):
                # A feed that cannot be read is a failed feed: the last good feed file stays as it is.
                summary.feed_paths.append(settings.feeds_dir / f"{feed.name}.xml")
                continue
            summary.feed_paths.append(publish_feed(feed.name, settings, store))
    try:  # a run from the shell has no web process to send what it announced
        webhooks.deliver_due(store, settings)
    except Exception:
        log.exception("webhooks: delivery after the run")
    return summary

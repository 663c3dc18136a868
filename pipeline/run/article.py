"""One article through the stages: prepare (fetch, extract, check the language) then render
(speech text, synthesis, mastering, publish the MP3). Each records its outcome in the store and
never raises for a problem with the article itself, so one bad article never stops the others.
``say`` speaks any text through the same speech, voice and mastering settings."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from pipeline.config import Settings
from pipeline.models import Article, Block, FetchError, NotGerman
from pipeline.run import publishing
from pipeline.run.events import counting, report_stage
from pipeline.run.lexicon import current_lexicon, remember_lexicon
from pipeline.run.steps import (
    MAX_ATTEMPTS,
    Outcome,
    announce,
    as_chosen,
    audio_key,
    disclosure_for,
    language_guesses,
    master_speech,
    record_problem,
    remove_episode_files,
    script_for,
    segment_cache,
    spool_for,
    synthetic_voice,
)
from pipeline.stages import clean, fragments, freshness, opus, provenance
from pipeline.stages.extract import extract, is_german
from pipeline.stages.fetch import Page, fetch
from pipeline.stages.master import Mastered, Tags
from pipeline.stages.publish import names
from pipeline.stages.publish.disclosure import with_note
from pipeline.stages.publish.objects import output_of
from pipeline.stages.publish.output import write_audio
from pipeline.stages.publish.transcripts import render_json_transcript, render_vtt
from pipeline.stages.speech import Lexicon
from pipeline.state import leases, operations
from pipeline.state.articles import ArticleRow, get_article, page_state, record_check, save_prepared, set_status
from pipeline.state.articles import language_guesses as stored_guesses
from pipeline.state.episodes import DuplicateEpisode, add_episode
from pipeline.state.identity import remember_canonical
from pipeline.state.store import Store, open_store
from voices import SpeakStats, Voice, load_voice, speak

log = logging.getLogger("newsaudio.article")


def prepare_article(
    article_id: str, settings: Settings, store: Store | None = None, *, now: datetime | None = None
) -> Outcome:
    """Fetch and clean one article; the cleaned Article is saved in the store for rendering.

    A finished article is fetched conditionally (its page's ETag / Last-Modified): a 304 leaves
    it as it is, without extraction, and returns "unchanged"."""
    store = store or open_store(settings)
    row = get_article(store, article_id)
    if row.status == "withdrawn":  # an editor or a gone page took it out: stays out until restored
        return Outcome(article_id, "withdrawn", row.reason, row.message, title=row.title)
    etag, modified, seen_at = page_state(store, article_id)
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
        report_stage(article_id, row.title, "fetch", row.url)
        start = time.perf_counter()
        page = fetch_politely(row.url, settings, headers)
        timings["fetch"] = time.perf_counter() - start
        if page.status == 304:
            if not headers:
                raise FetchError(f"page {row.url} answered 304 to a plain GET", reason="http-304")
            record_check(store, article_id, due)
            return Outcome(article_id, "unchanged", title=row.title, timings=timings)
        report_stage(article_id, row.title, "extract")
        start = time.perf_counter()
        article = extract_page(page.text, page.url, settings, allow_file=settings.allow_local_files)
        clean.check_length(article, settings.max_article_chars)
        timings["extract"] = time.perf_counter() - start
        if settings.skip_non_german and not is_german(article):
            raise NotGerman(
                f"article language is {article.language or 'unknown'}, the voice speaks German; "
                "set skip_non_german = false to voice it anyway"
            )
    except FetchError as exc:
        if exc.retry_after is None:
            return _failed(store, row, exc, due, settings, timings)
        # The site asked us to come back later (429/503 with Retry-After): no failure, no attempt
        # spent; the article is due again when the site said.
        later = now + timedelta(seconds=exc.retry_after)
        record_check(store, article_id, later)
        log.info("article %s: %s; asked to come back in %.0f s", article_id, exc, exc.retry_after)
        return Outcome(article_id, "deferred", exc.reason, str(exc), title=row.title, timings=timings)
    except Exception as exc:
        return _failed(store, row, exc, due, settings, timings)
    if not article.url:
        article.url = clean.clean_url(row.url, allow_file=settings.allow_local_files)
    guesses = language_guesses(article, settings, current_lexicon(settings, store), disclosure_for(settings, row.feed))
    save_prepared(store, article_id, article, guesses)
    remember_canonical(store, article_id, article.canonical_url)
    lower = {k.lower(): v for k, v in page.headers.items()}
    record_check(store, article_id, due, etag=lower.get("etag"), modified=lower.get("last-modified"), validators=True)
    return Outcome(article_id, "prepared", title=article.spoken_title, timings=timings)


# When each host may be asked again (monotonic time): a 429 or 503 with Retry-After holds back
# every fetch from that host in this process, not only the article that got it.
_NOT_BEFORE: dict[str, float] = {}


def fetch_politely(url: str, settings: Settings, headers: dict[str, str]) -> Page:
    """Fetch, honouring Retry-After per host: a wait up to ``retry_after_max_s`` is waited out
    here and the page asked again (up to three times); a longer one is the caller's to defer."""
    host = urlsplit(url).netloc.lower()
    for attempt in range(3):
        wait = _NOT_BEFORE.get(host, 0.0) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return fetch(url, settings, headers=headers)
        except FetchError as exc:
            if exc.retry_after is None:
                raise
            _NOT_BEFORE[host] = time.monotonic() + exc.retry_after
            if exc.retry_after > settings.retry_after_max_s or attempt == 2:
                raise
            log.info("%s asks to wait %.1f s (HTTP %s): waiting", host, exc.retry_after, exc.reason)
    raise AssertionError("unreachable")


def _failed(
    store: Store, row: ArticleRow, exc: Exception, due: datetime | None, settings: Settings, timings: dict[str, float]
) -> Outcome:
    """Record why preparing failed (a page gone twice is withdrawn); never raises for the article."""
    record_check(store, row.id, due)
    outcome = record_problem(store, row, exc, timings)
    if outcome.status == "failed" and row.attempts + 1 >= MAX_ATTEMPTS:
        # Given up for now, not forever: a slow schedule tries it again.
        record_check(store, row.id, datetime.now(UTC) + timedelta(seconds=settings.failed_retry_after_s))
    if publishing.withdraw_if_gone(row, outcome.reason, settings, store):
        gone = get_article(store, row.id)
        return Outcome(row.id, "withdrawn", gone.reason, gone.message, title=row.title, timings=timings)
    return outcome


def settled(article_id: str, settings: Settings, store: Store | None = None) -> Outcome | None:
    """None when the article waits for rendering (it was just prepared); else where it stands,
    e.g. after a 304 or a failed fetch, so the Celery chain skips the synth step."""
    row = get_article(store or open_store(settings), article_id)
    if row.status == "prepared":
        return None
    return Outcome(article_id, "unchanged" if row.status == "done" else row.status, row.reason, row.message,
                   title=row.title)


def say(
    text: str, settings: Settings, voice_name: str | None = None, lexicon: Lexicon | None = None
) -> tuple[Mastered, Voice]:
    """Any German text (paragraphs separated by blank lines) as a mastered MP3, through the same
    speech, voice and mastering settings as an article; ``lexicon`` previews a draft."""
    voice = load_voice(voice_name or settings.voice, settings)
    article = Article(title="", blocks=[Block("paragraph", p) for p in text.split("\n\n") if p.strip()])
    script = script_for(article, settings, voice, lexicon or current_lexicon(settings))
    if not script.segments:
        raise ValueError("nothing to say: the text is empty")
    pcm, _ = speak(script, voice, None)
    tags = Tags(title=text[:60], artist="newsaudio", album="newsaudio")
    return master_speech(script, pcm, voice, tags, settings), voice


def extract_page(html: str, url: str, settings: Settings, *, allow_file: bool) -> Article:
    """The article of a page, cleaned once, here: everything after it (feed, JSON, ID3,
    terminal) gets printable text and only http(s) (or, allowed, file:) links."""
    article = extract(clean.clean_html(html), url, rules_dir=settings.site_rules)
    return clean.clean_article(article, title_limit=settings.max_title_chars, allow_file=allow_file)


def render_article(
    article_id: str, settings: Settings, store: Store | None = None, *, force: bool = False
) -> Outcome:
    """Speak a prepared article and publish its MP3, unless the same audio already exists
    (``force``: speak it again all the same, e.g. after a fix in a voice or the lexicon code).

    One render per article at a time (a lease in the store): a second one, e.g. a redelivered
    task while the first still runs, returns ``busy`` without touching any file."""
    store = store or open_store(settings)
    try:
        with leases.held(store, leases.render(article_id), settings.lease_timeout_s) as holder:
            outcome = _render_article(article_id, settings, store, holder, force=force)
    except leases.Busy as exc:
        row = get_article(store, article_id)
        return Outcome(article_id, "busy", "busy", str(exc), title=row.title)
    if outcome.status == "done":
        try:  # the operator's numbers (web/metrics.py); never the article's problem
            operations.record_render(store, article_id, outcome.version, outcome.voice, outcome.duration_s,
                                     outcome.timings)
        except Exception:  # noqa: BLE001
            log.exception("article %s: recording the render's times", article_id)
    return outcome


def _render_article(article_id: str, settings: Settings, store: Store, holder: str, *, force: bool = False) -> Outcome:
    row = get_article(store, article_id)
    article, voice_name = as_chosen(store, article_id, row.article(), settings)
    if article is None or row.status not in ("prepared", "done"):
        return Outcome(article_id, row.status, row.reason, row.message or "not prepared", title=row.title)
    timings: dict[str, float] = {}
    try:
        report_stage(article_id, article.spoken_title, "speech")
        start = time.perf_counter()
        voice = load_voice(voice_name, settings)
        timings["voice-load"] = time.perf_counter() - start
        start = time.perf_counter()
        lexicon = current_lexicon(settings, store)
        disclosure = disclosure_for(settings, row.feed)
        script = script_for(article, settings, voice, lexicon, disclosure=disclosure,
                            guesses=stored_guesses(row))
        timings["speech"] = time.perf_counter() - start
        text_hash = article.text_hash()
        key, latest, unchanged = audio_key(store, article_id, article, script, voice, lexicon, settings, force=force,
                                           disclosure=disclosure)
        if unchanged:
            assert latest is not None
            set_status(store, article_id, "done")
            return Outcome(
                article_id, "unchanged", title=article.spoken_title, version=latest.episode.version,
                file_name=latest.episode.file_name, duration_s=latest.episode.duration_s,
                voice=voice.identity, timings=timings,
            )
        channel = publishing.channel_of(settings, row.feed)
        # Synthetic, and by which voice: said in the metadata even where the feed left the
        # spoken sentence out.
        speaker = synthetic_voice(voice, disclosure or channel.ai_disclosure)
        tags = Tags(
            title=article.spoken_title,
            artist=article.site_name or settings.channel.author,
            album=channel.title,
            url=article.canonical_url or article.url,
            date=article.published or row.published,
            comment=speaker.note(),
            synthetic_voice=f"{speaker.label} [{voice.identity}]",
        )
        parts = fragments.complete(settings, article_id, key)
        start = time.perf_counter()
        if parts:  # parallel part tasks spoke and mastered it: join their MP3s
            report_stage(article_id, article.spoken_title, "master", f"joining {len(parts)} parts mastered in parallel")
            stats = SpeakStats(cached=len(script.segments))
            mastered = fragments.join(parts, tags)
            timings["join"] = time.perf_counter() - start
        else:
            report_stage(article_id, article.spoken_title, "synthesis", f"{len(script.segments)} segments")
            with spool_for(settings) as spool:
                pcm, stats = speak(script, counting(voice, article_id, article.spoken_title, len(script.segments)),
                                   segment_cache(settings), into=spool)
                timings["synthesis"] = time.perf_counter() - start
                report_stage(article_id, article.spoken_title, "master")
                start = time.perf_counter()
                mastered = master_speech(script, pcm, voice, tags, settings)
            timings["master"] = time.perf_counter() - start
        report_stage(article_id, article.spoken_title, "publish")
        start = time.perf_counter()
        remember_lexicon(settings, lexicon)
        version = (latest.episode.version if latest else 0) + 1
        file_name = names.audio_file_name(article_id, version)
        cues, timed = publishing.timed_files(
            file_name, script.segments, mastered.spans, mastered.chapters, mastered.duration_s,
            title=article.spoken_title, podcast=channel.title,
        )
        if cues is not None:  # the transcripts say who spoke (timed_files knows no voice)
            timed[names.vtt_file_name(file_name)] = render_vtt(cues, voice=speaker)
            timed[names.json_transcript_file_name(file_name)] = render_json_transcript(cues, voice=speaker)
        # The bytes listeners download carry a signed C2PA manifest: synthetic, which voice,
        # which article and version (and the version it replaces).
        signed = time.perf_counter()
        mp3 = provenance.sign_mp3(mastered.mp3, provenance.Claim(
            guid=row.guid, version=version, article_url=article.canonical_url or article.url, feed=row.feed,
            title=article.spoken_title, file_name=file_name, voice_name=speaker.name, voice_identity=voice.identity,
            engine=voice.engine, voice_is_fallback=voice.is_fallback, disclosure=disclosure,
            replaces_version=latest.episode.version if latest else None,
            replaces_file=latest.episode.file_name if latest else "",
        ), settings)
        timings["sign"] = time.perf_counter() - signed
        # The low-bandwidth version, from the bytes listeners download (whole or joined parts
        # alike): written beside the MP3 and recorded with it, so a listed episode has it.
        opus_bytes, opus_integrity = None, None
        if settings.opus_kbps > 0:
            started = time.perf_counter()
            small = opus.encode_opus(mp3, settings.opus_kbps)
            timed[names.opus_file_name(file_name)] = small
            opus_bytes, opus_integrity = len(small), opus.sri_sha384(small)
            timings["opus"] = time.perf_counter() - started
        # Write-once: this version has no record yet (we hold the lease, and it is newer than the
        # newest record), so a file under its name is a leftover of a killed render.
        if not leases.holds(store, leases.render(article_id), holder):
            raise leases.Busy(f"{leases.render(article_id)} lapsed during the render (store unreachable too long)")
        written = write_audio(
            output_of(settings), file_name, mp3, transcript=article.text() + "\n", sidecars=timed
        )
        try:
            add_episode(store,
                article_id,
                version=version,
                voice=voice.identity,
                voice_is_fallback=voice.is_fallback,
                text_hash=text_hash,
                lexicon_version=script.lexicon_version,
                content_key=key,
                file_name=file_name,
                size=len(mp3),
                duration_s=mastered.duration_s,
                title=article.spoken_title,
                description=with_note(article.lead or (article.paragraphs[:1] or [""])[0], speaker),
                chapters=mastered.chapters,
                image=article.image,
                cues=[c.to_dict() for c in cues] if cues else None,
                done=True,
                opus_bytes=opus_bytes,
                opus_integrity=opus_integrity,
            )
        except DuplicateEpisode:
            # The same task ran twice at once (a redelivery): the other run published this version.
            log.info("article %s v%d was published by a concurrent run", article_id, version)
            return Outcome(article_id, "unchanged", title=article.spoken_title, version=version,
                           file_name=file_name, voice=voice.identity, timings=timings)
        except Exception:
            # No file without a record: the store could not take it (an outage), so the files
            # go, and the task is retried.
            remove_episode_files(written)
            raise
        fragments.remove(settings, article_id)
        publishing.write_player_data(settings, store, article_id)
        timings["publish"] = time.perf_counter() - start
    except Exception as exc:
        return record_problem(store, row, exc, timings)
    announce(store, "audio.published", row, version=version,
              audio_url=names.audio_url(settings.public_base_url, file_name))
    return Outcome(
        article_id, "done", title=article.spoken_title, version=version, file_name=file_name,
        duration_s=mastered.duration_s, synthesised=stats.synthesised, cached=stats.cached,
        voice=voice.identity, timings=timings,
    )


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

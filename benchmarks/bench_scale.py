"""Cost that grows with the news, not with the archive: measured in one run on loopback.

Prints: a changed poll of a 5,000-entry feed with 10 new entries (seconds, articles fetched), an
idle 304 poll at 5,000 stored articles, publishing one episode at 10 and 5,000 episodes,
mastering CPU per audio minute and peak extra memory for a 5- and a 60-minute article (each in
its own process), the LAME settings table, and the long-article split decision with its
latency for 1 and 2 synth workers.

Speech for the mastering runs is real espeak-ng speech of the sample article, its segments
repeated until the article is long enough, spooled to disk as a render spools it (so what is
measured is what mastering adds).
"""

from __future__ import annotations

import argparse
import io
import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import FeedConfig, Settings, load_settings  # noqa: E402
from pipeline.models import Segment  # noqa: E402
from pipeline.run import publishing  # noqa: E402
from pipeline.run.article import prepare_article, render_article  # noqa: E402
from pipeline.run.feed import poll_feed  # noqa: E402
from pipeline.run.lexicon import current_lexicon  # noqa: E402
from pipeline.run.parts import speak_part  # noqa: E402
from pipeline.run.steps import script_for  # noqa: E402
from pipeline.stages.extract import extract  # noqa: E402
from pipeline.stages.loudness import integrated_loudness, true_peak_db  # noqa: E402
from pipeline.stages.master import FFMPEG, Tags, decode_mp3, master  # noqa: E402
from pipeline.state.articles import save_prepared, set_status, upsert_entry, upsert_feed  # noqa: E402
from pipeline.state.episodes import add_episode  # noqa: E402
from pipeline.state.store import open_store  # noqa: E402

SEED = REPO / "sample/site/articles/politik-russland-iran-militaerabkommen.html"


def settings_in(folder: Path) -> Settings:
    s = load_settings(REPO / "newsaudio.toml", env={})
    s.output_dir, s.data_dir, s.cache_dir = folder / "output", folder / "data", folder / "data" / "cache"
    s.database_url = ""
    return s


def rss() -> int:
    """Resident memory now, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


# --- mastering ----------------------------------------------------------------------------------

def speech_file(folder: Path) -> Path:
    """Speak the sample article once with espeak; the segments and PCM go to a pickle."""
    from voices import load_voice, speak

    settings = settings_in(folder)
    voice = load_voice("espeak-de", settings)
    article = extract(SEED.read_text(encoding="utf-8"), "https://www.n-tv.de/a.html")
    script = script_for(article, settings, voice, current_lexicon(settings))
    pcm, _ = speak(script, voice, None)
    path = folder / "speech.pkl"
    path.write_bytes(pickle.dumps((script.segments, [np.asarray(p, dtype=np.float32) for p in pcm], voice.sample_rate)))
    return path


def tiled(path: Path, minutes: float) -> tuple[list[Segment], list[np.ndarray], int]:
    segments, pcm, rate = pickle.loads(path.read_bytes())
    seconds = sum(p.size / rate + s.pause_after_ms / 1000 for s, p in zip(segments, pcm, strict=True))
    times = max(1, round(minutes * 60 / seconds))
    return segments * times, pcm * times, rate


def master_once(path: Path, minutes: float, quality: int) -> dict[str, float]:
    """In this process: master a ``minutes`` article; CPU (own and ffmpeg's), extra peak memory,
    and loudness / true peak of the decoded MP3."""
    from voices.spool import Spool

    segments, tiles, rate = tiled(path, minutes)
    pcm = Spool(path.parent)  # as a render holds the speech: on disk
    for piece in tiles:
        pcm.append(piece)
    del tiles
    base = rss()
    cpu0, kids0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    done = master(segments, pcm, rate, Tags("t", "a", "b"), mp3_quality=quality)
    wall = time.perf_counter() - wall0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = time.process_time() - cpu0
    child = (kids.ru_utime - kids0.ru_utime) + (kids.ru_stime - kids0.ru_stime)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    audio, out_rate = decode_mp3(done.mp3)
    return {
        "minutes": done.duration_s / 60, "own_cpu": own, "ffmpeg_cpu": child, "wall": wall,
        "extra_mb": max(0, peak - base) / 2**20, "lufs": integrated_loudness([audio], out_rate),
        "dbtp": true_peak_db(audio), "bytes": len(done.mp3),
    }


def master_in_child(path: Path, minutes: float, quality: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--master-one", str(path), str(minutes), str(quality)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def snr_db(path: Path, quality: int) -> tuple[float, float]:
    """(encode CPU s per audio minute, SNR in dB) of LAME at ``quality`` on the leveled speech:
    the reference is the same PCM resampled to 44.1 kHz by the same ffmpeg."""
    from pipeline.stages.master import _chunks, _Encoder, _level, _pieces

    segments, pcm, rate = tiled(path, 2)
    chunks: list[bytes] = []
    _level(_chunks(_pieces(segments, pcm, rate), 66150), 1.0, rate, -1.7, chunks.append)
    raw = b"".join(chunks)
    ref = subprocess.run([FFMPEG, "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
                          "-ar", "44100", "-f", "s16le", "pipe:1"], input=raw, capture_output=True, check=True).stdout
    reference = np.frombuffer(ref, "<i2").astype(np.float64)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    mp3 = subprocess.run(_Encoder(rate, 44100, 96, quality).command("pipe:1"), input=raw, capture_output=True,
                         check=True).stdout
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (kids.ru_utime - kids0.ru_utime) + (kids.ru_stime - kids0.ru_stime)
    decoded, _ = decode_mp3(mp3)
    decoded = decoded.astype(np.float64) * 32768
    # align: MP3 from a pipe has no header telling the decoder LAME's delay; find it
    from scipy.signal import correlate

    part = slice(44100, 44100 * 11)
    corr = correlate(decoded[part.start : part.stop + 4000], reference[part], mode="valid", method="fft")
    lag = int(np.argmax(corr))
    n = min(reference.size, decoded.size - lag)
    noise = reference[:n] - decoded[lag : lag + n]
    signal = reference[:n]
    minutes = reference.size / 44100 / 60
    return cpu / minutes, 10 * np.log10(np.sum(signal**2) / np.sum(noise**2))


def bench_master(folder: Path) -> None:
    path = speech_file(folder)
    print("\n== mastering (espeak speech; CPU = this process + ffmpeg; memory = peak RSS over the input)")
    print(f"{'article':>8} {'own s/min':>10} {'ffmpeg s/min':>13} {'total s/min':>12} {'extra MB':>9}"
          f" {'LUFS':>7} {'dBTP':>6}")
    for minutes in (5, 60):
        runs = [master_in_child(path, minutes, 7) for _ in range(3 if minutes <= 5 else 1)]
        r = min(runs, key=lambda x: x["own_cpu"] + x["ffmpeg_cpu"])
        m = r["minutes"]
        total = (r["own_cpu"] + r["ffmpeg_cpu"]) / m
        print(f"{m:>6.1f}m {r['own_cpu'] / m:>10.3f} {r['ffmpeg_cpu'] / m:>13.3f} {total:>12.3f} "
              f"{r['extra_mb']:>9.0f} {r['lufs']:>7.2f} {r['dbtp']:>6.2f}")
    print("targets: total <= 0.4 s per audio minute, extra < 300 MB, -16 +- 0.5 LUFS, <= -1 dBTP")
    print("\n== LAME settings (96 kbps CBR, 44.1 kHz mono; 5-minute article, whole mastering per row)")
    print(f"{'-q':>3} {'master s/min':>13} {'encode s/min':>13} {'LUFS':>7} {'dBTP':>6} {'SNR dB':>7}")
    for quality in (0, 2, 5, 7, 9):
        r = master_in_child(path, 5, quality)
        enc, snr = snr_db(path, quality)
        print(f"{quality:>3} {(r['own_cpu'] + r['ffmpeg_cpu']) / r['minutes']:>13.3f} {enc:>13.3f} "
              f"{r['lufs']:>7.2f} {r['dbtp']:>6.2f} {snr:>7.1f}")


# --- polls and publishing ------------------------------------------------------------------------

ARTICLE_HTML = SEED.read_bytes()


class Site:
    """A feed of ``count`` entries whose article pages answer conditional GETs with 304."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []
        self.feed = b""
        self.feed_stamp = format_datetime(datetime(2026, 1, 1, tzinfo=UTC), usegmt=True)
        self.page_hits = 0
        self.lock = threading.Lock()

    def publish(self, count: int, start: int = 0) -> None:
        items = "".join(
            f"<item><title>Meldung {i}</title><link>/a/{i}.html</link><guid isPermaLink='false'>n-{i}</guid>"
            f"<pubDate>{format_datetime(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i), usegmt=True)}"
            f"</pubDate><description>Kurzfassung {i}</description></item>"
            for i in range(start + count - 1, start - 1, -1)
        )
        self.feed = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()
        self.feed_stamp = format_datetime(datetime.now(UTC), usegmt=True)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                if self.path == "/feed.xml":
                    if self.headers.get("If-Modified-Since") == site.feed_stamp:
                        self.send_response(304)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    body, ctype = site.feed, "application/rss+xml"
                    self.send_response(200)
                    self.send_header("Last-Modified", site.feed_stamp)
                else:
                    with site.lock:
                        site.page_hits += 1
                    body, ctype = ARTICLE_HTML, "text/html; charset=utf-8"
                    self.send_response(200)
                    self.send_header("ETag", '"v1"')
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


def seed_store(settings: Settings, feed: str, count: int) -> None:
    """``count`` finished articles with an episode each, written straight into the store."""
    from pipeline.models import FeedEntry
    from pipeline.stages.feeds import entry_id
    from pipeline.stages.freshness import entry_fingerprint
    from pipeline.state.schema import articles, episodes

    store = open_store(settings)
    upsert_feed(store, feed, settings.feed(feed).url, "")
    base = settings.feed(feed).url.rsplit("/", 1)[0]
    seen = datetime.now(UTC) - timedelta(days=2)  # past every revisit
    rows, eps = [], []
    for i in range(count):
        published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
        entry = FeedEntry(f"n-{i}", f"{base}/a/{i}.html", f"Meldung {i}", published, f"Kurzfassung {i}",
                          updated=published)  # feedparser reads pubDate as the updated date too
        aid = entry_id(feed, entry.guid)
        rows.append({"id": aid, "feed": feed, "guid": entry.guid, "url": entry.url, "title": entry.title,
                     "published": published, "summary": entry.summary, "status": "done", "attempts": 0,
                     "entry_hash": entry_fingerprint(entry), "seen_at": seen, "updated_at": seen,
                     "etag": '"v1"', "article_json": '{"title": "x", "blocks": []}'})
        eps.append({"article_id": aid, "version": 1, "voice": "espeak-de", "voice_is_fallback": 1,
                    "text_hash": "t", "lexicon_version": "l", "content_key": "k", "file_name": f"{aid}-v1.mp3",
                    "bytes": 1_000_000, "duration_s": 120.0, "title": f"Meldung {i}",
                    "description": "Kurzfassung", "chapters_json": "[]", "created_at": seen,
                    "feed": feed, "listed_at": published})
    with store.engine.begin() as conn:
        conn.execute(articles.insert(), rows)
        conn.execute(episodes.insert(), eps)


def bench_polls(folder: Path) -> None:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), site.handler())
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings = settings_in(folder / "polls")
    settings.feeds = [FeedConfig(name="big", url=f"{base}/feed.xml")]
    settings.allow_private_addresses = True
    feed = settings.feed("big")
    store = open_store(settings)
    # Setup, not measured: an earlier poll saw 4,990 entries, all voiced two days ago.
    site.publish(4990)
    poll_feed(feed, settings, store)
    from sqlalchemy import update

    from pipeline.state.schema import articles

    with store.engine.begin() as conn:
        conn.execute(update(articles).values(status="done", seen_at=datetime.now(UTC) - timedelta(days=2),
                                             next_check_at=None))
    site.publish(5000)  # the 4,990 known entries and 10 new ones
    print("\n== polls (5,000-entry feed on loopback; fetch + extract of what needs work, no synthesis)")
    start = time.perf_counter()
    polled = poll_feed(feed, settings, store)
    poll_s = time.perf_counter() - start
    outcomes = [prepare_article(i, settings, store) for i in polled.article_ids]
    changed_s = time.perf_counter() - start
    print(f"changed poll, 10 new of 5,000: {changed_s:.2f} s ({poll_s:.2f} s poll + store, the rest fetch + extract), "
          f"{site.page_hits} article pages fetched, {sum(o.status == 'prepared' for o in outcomes)} prepared"
          "  (target <= 5 s, exactly 10)")
    for i in polled.article_ids:
        set_status(store, i, "done")
    idle = []
    for _ in range(5):
        start = time.perf_counter()
        again = poll_feed(feed, settings, store)
        idle.append(time.perf_counter() - start)
        assert again.not_modified and not again.article_ids, again
    print(f"idle poll (feed 304) at 5,000 stored articles: {statistics.median(idle) * 1000:.1f} ms median of 5"
          "  (target <= 50 ms)")
    server.shutdown()
    server.server_close()



def bench_publish(folder: Path) -> None:
    print("\n== publishing one more episode (record it, then publish_feed; a worker that has published before)")
    results = {}
    for count in (10, 5000):
        s = settings_in(folder / f"publish{count}")
        s.feeds = [FeedConfig(name="big", url="http://127.0.0.1:9/feed.xml")]
        seed_store(s, "big", count)
        publishing.publish_feed("big", s)
        store = open_store(s)
        times = []
        for i in range(5):
            add_one_episode(store, "big", count + i)
            start = time.perf_counter()
            publishing.publish_feed("big", s)
            times.append(time.perf_counter() - start)
        results[count] = statistics.median(times)
        items = (s.feeds_dir / "big.xml").read_bytes().count(b"<item>")
        print(f"{count:>5} episodes: {results[count] * 1000:.1f} ms (median of 5), {items} items in the feed")
    print(f"ratio 5,000 / 10: {results[5000] / results[10]:.2f}  (target <= 1.5)")


def add_one_episode(store: object, feed: str, n: int) -> None:
    """A new article and its episode, recorded the way render_article records them."""
    from pipeline.models import FeedEntry

    aid = f"new{n}"
    published = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    upsert_entry(store, feed, aid, FeedEntry(f"new-{n}", f"http://127.0.0.1:9/new/{n}.html", f"Neu {n}", published))
    add_episode(store, aid, version=1, voice="espeak-de", voice_is_fallback=True, text_hash="t", lexicon_version="l",
                      content_key="k", file_name=f"{aid}-v1.mp3", size=1_000_000, duration_s=120.0,
                      title=f"Neu {n}", description="Kurzfassung", chapters=[], done=True)


# --- long-article split -----------------------------------------------------------------------

def _speak_part(args: tuple[str, int, int, Settings]) -> float:
    """Seconds one part task took."""
    article_id, part, parts, settings = args
    start = time.perf_counter()
    speak_part(article_id, part, parts, settings)
    return time.perf_counter() - start


def _warm(settings: Settings) -> None:
    """A worker process as Celery keeps it: the voice loaded and used once."""
    from voices import load_voice

    load_voice(settings.voice, settings).synthesize("Guten Tag.")
    time.sleep(1.0)  # so that each process of the pool takes one


def neural_voice(folder: Path, settings: Settings) -> str:
    """The house voice as production runs it: a Thorsten-size Coqui VITS (random weights:
    nothing can be downloaded here, and speed does not depend on the weights) fetched the way
    `newsaudio voices fetch default` fetches it, so its ONNX export is the default path."""
    import os
    import warnings

    from voices import fetch_model
    from voices.engines.random_vits import build_vits

    os.environ["TTS_HOME"] = str(folder / "tts-home")  # inherited by the worker processes
    warnings.filterwarnings("ignore")  # the ONNX export's tracer warnings say nothing here
    build_vits(folder / "tts-home" / "tts" / "tts_models--de--thorsten--vits", size="thorsten")
    fetch_model("default", settings)
    return "default"


def bench_split(folder: Path, voice_name: str, minutes: float) -> None:
    """Latency of one long article with 1 and 2 synth workers (warm processes, as Celery keeps
    them): unsplit = synthesis + mastering in one task; split = each part spoken and mastered
    by its own task, in parallel, then one task joins their MP3s."""
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.models import Article, Block
    from voices import load_voice, real_time_factor

    seed = extract(SEED.read_text(encoding="utf-8"), "https://www.n-tv.de/a.html")
    work = folder / f"split-{voice_name}"
    settings = settings_in(work)
    settings.feeds = [FeedConfig(name="long", url="http://127.0.0.1:9/feed.xml")]
    settings.voice = neural_voice(work, settings) if voice_name == "neural" else voice_name
    voice = load_voice(settings.voice, settings)
    assert not voice.is_fallback, voice.fallback_reason
    factor = real_time_factor(voice)
    per_copy = sum(len(b.text) for b in seed.blocks) / 15 / 60  # ~15 characters per spoken second
    copies = max(1, round(minutes / per_copy))
    # Every copy's sentences differ (numbered), so nothing comes from the cache by accident.
    blocks = [Block(b.kind, f"{b.text} Teil {i + 1}.") for i in range(copies) for b in seed.blocks if b.kind != "title"]
    article = Article(title=seed.title, blocks=[Block("title", seed.title), *blocks], url=seed.url)
    store = open_store(settings)
    upsert_feed(store, "long", "http://127.0.0.1:9/feed.xml")
    from pipeline.models import FeedEntry

    results = {}
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_warm, [settings, settings]))
        for workers in (1, 2):
            entry = FeedEntry(f"long-{workers}", f"https://x/long-{workers}.html", "lang")
            aid = f"long{workers}"
            upsert_entry(store, "long", aid, entry)
            save_prepared(store, aid, article)
            settings.cache_dir = work / f"cache{workers}"
            start = time.perf_counter()
            if workers > 1:  # the part tasks speak and master, then the render task joins
                part_s = list(pool.map(_speak_part, [(aid, i, workers, settings) for i in range(workers)]))
            outcome = render_article(aid, settings)
            assert outcome.status == "done", outcome
            results[workers] = (time.perf_counter() - start, outcome)
    one, two = results[1], results[2]
    print(f"\n== long-article split ({one[1].duration_s / 60:.1f} min article, voice {voice.identity}, "
          "processes as workers)")
    print(f"1 synth worker (unsplit): {one[0]:.1f} s  (synthesis {one[1].timings.get('synthesis', 0):.1f} s, "
          f"mastering {one[1].timings.get('master', 0):.1f} s)")
    print(f"2 synth workers (each speaks and masters half, then one task joins): {two[0]:.1f} s  "
          f"({two[0] / one[0]:.2f} of unsplit; part tasks {', '.join(f'{t:.1f}' for t in part_s)} s, "
          f"the join {two[1].timings.get('join', 0):.2f} s)")
    print(f"measured real-time factor: {factor:.3f}; split_min_rtf = {settings.split_min_rtf}: "
          f"plan_parts would {'split' if factor >= settings.split_min_rtf else 'NOT split'} it")



# --- sentence cache -----------------------------------------------------------------------------

def bench_cache(folder: Path) -> None:
    """MB per audio minute of the sentence cache, old float32 .npy form vs the compact form, for
    espeak and a Thorsten-size VITS (random weights: its float32 mantissas are as noisy as a real
    voice's), and how many days of a 1,000-article newsroom the default budget holds."""
    import io

    from voices import load_voice
    from voices.cache import decode, encode

    defaults = Settings()
    budget_mb = defaults.cache_max_mb * 2**20 / 1e6
    per_day_min = 1000 * 4.0  # 1,000 four-minute articles a day
    print("\n== sentence cache (sample article's segments; MB = 10^6 bytes; a day = 1,000 four-minute articles)")
    print(f"{'voice':>9} {'form':>5} {'old MB/min':>11} {'new MB/min':>11} {'encode s/min':>13} {'decode s/min':>13}"
          f" {'days in default':>16} {'MB for keep_days':>17}")
    for name in ("espeak-de", "neural"):
        work = folder / f"cache-{name}"
        settings = settings_in(work)
        voice = load_voice(neural_voice(work, settings) if name == "neural" else name, settings)
        assert not voice.is_fallback, voice.fallback_reason
        article = extract(SEED.read_text(encoding="utf-8"), "https://www.n-tv.de/a.html")
        segments = script_for(article, settings, voice, current_lexicon(settings)).segments
        pcm = [voice.synthesize(seg.text) for seg in segments[: 12 if name == "neural" else None]]
        minutes = sum(len(p) for p in pcm) / voice.sample_rate / 60
        old = 0
        for p in pcm:  # what the cache wrote before: np.save of float32
            buf = io.BytesIO()
            np.save(buf, np.asarray(p, dtype=np.float32), allow_pickle=False)
            old += len(buf.getvalue())
        start = time.perf_counter()
        entries = [encode(p) for p in pcm]
        encode_s = time.perf_counter() - start
        start = time.perf_counter()
        back = [decode(e) for e in entries]
        decode_s = time.perf_counter() - start
        assert all(a.tobytes() == np.asarray(b, dtype=np.float32).tobytes() for a, b in zip(back, pcm, strict=True))
        new_mb_min = sum(len(e) for e in entries) / 1e6 / minutes  # an entry's file is exactly these bytes
        forms = "+".join(sorted({e[4:5].decode() for e in entries}))
        print(f"{name:>9} {forms:>5} {old / 1e6 / minutes:>11.2f} {new_mb_min:>11.2f} {encode_s / minutes:>13.3f}"
              f" {decode_s / minutes:>13.3f} {budget_mb / (new_mb_min * per_day_min):>16.2f}"
              f" {new_mb_min * per_day_min * defaults.cache_keep_days:>17,.0f}")
    print(f"default cache_max_mb = {defaults.cache_max_mb} ({budget_mb:,.0f} MB), cache_keep_days = "
          f"{defaults.cache_keep_days:g}; forms: i = int16-exact speech as int16, f = float32 (both lossless)")


def bench_signing(folder: Path) -> None:
    """What the C2PA manifest costs per episode: signing time and bytes added, on a 6-minute
    MP3 (the size is what matters for hashing), with the local test signer."""
    from pipeline.stages import provenance

    settings = settings_in(folder / "sign")
    minutes = 6.0
    segments, pcm, rate = tiled(speech_file(folder), minutes)
    mp3 = master(segments, pcm, rate, Tags("t", "a", "b")).mp3
    claim = provenance.Claim(guid="bench-guid", version=2, article_url="https://www.example.de/a.html", feed="bench",
                             title="Bench", file_name="bench-v2.mp3", voice_name="espeak-ng",
                             voice_identity="espeak-de+espeak+0", engine="espeak", disclosure="Test.",
                             replaces_version=1, replaces_file="bench-v1.mp3")
    signer = provenance.material(settings)
    provenance.sign_mp3(mp3, claim, settings, signer)  # warm: the first signature loads c2pa
    times = []
    for _ in range(10):
        start = time.perf_counter()
        signed = provenance.sign_mp3(mp3, claim, settings, signer)
        times.append(time.perf_counter() - start)
    print(f"\n== C2PA signing, {minutes:g}-minute MP3 ({len(mp3) / 1e6:.2f} MB), local test signer, 10 runs")
    from mutagen.id3 import ID3

    manifest = sum(len(f.data) for f in ID3(io.BytesIO(signed)).getall("GEOB"))  # the C2PA store in the tag
    print(f"median {statistics.median(times) * 1000:.1f} ms (target <= 50), manifest {manifest:,} bytes"
          f" (target <= 30,000)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--master-one", nargs=3)
    parser.add_argument("--only", choices=["polls", "publish", "master", "split", "cache", "signing"])
    args = parser.parse_args()
    if args.master_one:
        path, minutes, quality = args.master_one
        print(json.dumps(master_once(Path(path), float(minutes), int(quality))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        if args.only in (None, "polls"):
            bench_polls(folder)
        if args.only in (None, "publish"):
            bench_publish(folder)
        if args.only in (None, "master"):
            bench_master(folder)
        if args.only in (None, "split"):
            bench_split(folder, "espeak-de", minutes=10)
            bench_split(folder, "neural", minutes=5)
        if args.only in (None, "cache"):
            bench_cache(folder)
        if args.only in (None, "signing"):
            bench_signing(folder)


if __name__ == "__main__":
    main()

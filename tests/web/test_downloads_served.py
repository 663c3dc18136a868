"""Downloads counted as `newsaudio serve` sends episode audio: real HTTP on loopback against the
app under uvicorn (lifespan on, as `newsaudio serve` runs it), read back with the same stats
`newsaudio stats` shows. Clients arrive through a trusted proxy (loopback) that names them in
X-Forwarded-For, as nginx or a load balancer in front would."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pipeline.config import Settings
from pipeline.models import Article, Block, FeedEntry
from pipeline.run.downloads import stats
from pipeline.stages.publish.names import audio_file_name
from pipeline.stages.publish.output import write_audio
from pipeline.state import episodes as episode_records
from pipeline.state.articles import save_prepared, set_status, upsert_entry, upsert_feed
from pipeline.state.store import Store, open_store
from tests.support.webapp import serving
from web.app import create_app

APPLE = "Podcasts/1585.0.1 CFNetwork/1335.0.3 Darwin/21.6.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PRELOADER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
APPLE_IP, OVERCAST_IP, OVERCAST_IP_LATER, BOT_IP, PRELOADER_IP = (
    "203.0.113.7", "2001:db8:1:2::5", "2001:db8:1:2::99", "198.51.100.9", "192.0.2.44")
SIZE = 1_200_000  # two minutes' worth: one minute is 600,000 bytes
DURATION_S = 120.0


def publish_long_episode(store: Store, settings: Settings) -> str:
    """One published two-minute episode (placeholder bytes: nothing here decodes them)."""
    upsert_feed(store, "sample", "https://www.example.de/politik/rss")
    url = "https://www.example.de/politik/artikel-1.html"
    upsert_entry(store, "sample", "sample00001", FeedEntry(guid="guid-1", url=url, title="Eins",
                                                           published=datetime(2024, 1, 1, tzinfo=UTC)))
    article = Article(title="Eins", blocks=[Block("paragraph", "Absatz.")], url=url, canonical_url=url)
    save_prepared(store, "sample00001", article)
    file_name = audio_file_name("sample00001", 1)
    write_audio(settings.output_dir, file_name, b"ID3" + bytes(SIZE - 3))
    episode_records.add_episode(
        store, "sample00001", version=1, voice="espeak-de", voice_is_fallback=False, text_hash="h",
        lexicon_version="", content_key="k", file_name=file_name, size=SIZE, duration_s=DURATION_S,
        title="Eins", description="Absatz.", chapters=[], done=True,
    )
    set_status(store, "sample00001", "done")
    return f"/audio/{file_name}"


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    settings.public_base_url = "https://audio.example.de"
    settings.trusted_proxies = ["127.0.0.1", "::1"]
    return settings


def fetch(client: httpx.Client, audio: str, ua: str, ip: str, rng: str | None = None) -> int:
    headers = {"User-Agent": ua, "X-Forwarded-For": ip, **({"Range": rng} if rng else {})}
    answer = client.get(audio, headers=headers)
    assert answer.status_code == (206 if rng else 200), answer.status_code
    return len(answer.content)


def test_the_app_counts_the_downloads_it_serves_and_keeps_no_address_or_agent(app_settings):
    store = open_store(app_settings)
    audio = publish_long_episode(store, app_settings)
    app = create_app(app_settings)
    morning = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    clock = [morning]
    app.state.downloads.clock = lambda: clock[0]
    with serving(app, must_stop=True) as base, httpx.Client(base_url=base) as client:
        # Apple Podcasts: a 2-byte probe, then the file in two ranges (one download in all).
        assert fetch(client, audio, APPLE, APPLE_IP, "bytes=0-1") == 2
        fetch(client, audio, APPLE, APPLE_IP, "bytes=0-399999")
        fetch(client, audio, APPLE, APPLE_IP, "bytes=400000-")
        # Overcast: the first 700 KB, then the rest from another address of the same IPv6 /64
        # (a phone rotating its address is the same client).
        fetch(client, audio, OVERCAST, OVERCAST_IP, "bytes=0-699999")
        fetch(client, audio, OVERCAST, OVERCAST_IP_LATER, "bytes=700000-")
        # A crawler takes the whole file; a browser preloads 10 KB: neither is a download.
        assert fetch(client, audio, BOT, BOT_IP) == SIZE
        assert fetch(client, audio, PRELOADER, PRELOADER_IP, "bytes=0-10239") == 10240
        # HEAD and a 304 send no audio.
        assert client.head(audio, headers={"User-Agent": APPLE, "X-Forwarded-For": BOT_IP}).status_code == 200
        etag = client.get(audio, headers={"User-Agent": APPLE, "Range": "bytes=0-0"}).headers["etag"]
        revalidated = client.get(audio, headers={"User-Agent": OVERCAST, "X-Forwarded-For": BOT_IP,
                                                 "If-None-Match": etag})
        assert revalidated.status_code == 304
        # The same Apple client two hours later, the same UTC day: still one download.
        clock[0] = morning + timedelta(hours=2)
        assert fetch(client, audio, APPLE, APPLE_IP) == SIZE
    (episode,) = stats(app_settings, store, feed="sample", days=1)
    assert episode.downloads == 2
    assert episode.days[0].downloads == {"Apple Podcasts": 1, "Overcast": 1}
    assert episode.days[0].day == morning.date()

    # Nothing that names a listener was written anywhere: not the addresses (the proxy's own
    # 127.0.0.1 included), not the User-Agents.
    needles = [ip.encode() for ip in (APPLE_IP, OVERCAST_IP, OVERCAST_IP_LATER, BOT_IP, PRELOADER_IP)]
    needles += [b"127.0.0.1", b"2001:db8", b"2001:0db8"] + [ua.encode() for ua in (APPLE, OVERCAST, BOT, PRELOADER)]
    needles += [b"CFNetwork", b"overcast.fm", b"Googlebot"]
    files = [p for p in Path(app_settings.data_dir).rglob("*") if p.is_file()]
    assert any(p.name == "newsaudio.db" for p in files)
    for path in files:
        data = path.read_bytes()
        found = [n.decode() for n in needles if n in data]
        assert not found, f"{path.name} holds {found}"


def test_an_answer_never_waits_for_the_store(app_settings):
    """The store is locked by another writer (a long migration, a stuck worker): the audio is
    sent at once all the same, and the download is counted once the store is free again."""
    store = open_store(app_settings)
    audio = publish_long_episode(store, app_settings)
    app = create_app(app_settings)
    with serving(app, must_stop=True) as base, httpx.Client(base_url=base, timeout=10) as client:
        with store.engine.connect() as locker:
            locker.exec_driver_sql("BEGIN EXCLUSIVE")  # every other write (and read) waits
            started = time.perf_counter()
            assert fetch(client, audio, OVERCAST, OVERCAST_IP) == SIZE
            assert fetch(client, audio, APPLE, APPLE_IP, "bytes=0-9") == 10
            took = time.perf_counter() - started
            time.sleep(1.0)  # the recorder is stuck on the lock meanwhile
            assert app.state.downloads.counted == 0
            locker.exec_driver_sql("ROLLBACK")
        assert took < 2.0, f"two answers took {took:.1f} s while the store was locked"
    assert app.state.downloads.counted == 1
    (episode,) = stats(app_settings, store, feed="sample", days=1)
    assert episode.days[0].downloads == {"Overcast": 1}


def test_count_downloads_off_counts_nothing(app_settings):
    app_settings.count_downloads = False
    store = open_store(app_settings)
    audio = publish_long_episode(store, app_settings)
    app = create_app(app_settings)
    assert app.state.downloads is None
    with serving(app, must_stop=True) as base, httpx.Client(base_url=base) as client:
        assert fetch(client, audio, OVERCAST, OVERCAST_IP) == SIZE
    (episode,) = stats(app_settings, store, feed="sample", days=1)
    assert episode.downloads == 0


def test_the_queue_is_bounded_and_never_blocks_when_the_store_falls_behind(app_settings):
    """A store that does not keep up costs counts, never memory or answers: past the bound, hits
    are dropped (and counted as dropped) at once."""
    from web.downloads import DownloadCounter

    counter = DownloadCounter(app_settings, max_queued=3)  # never started: nothing drains it
    scope = {"type": "http", "method": "GET", "client": (APPLE_IP, 0),
             "headers": [(b"user-agent", APPLE.encode())]}
    started = time.perf_counter()
    for _ in range(1000):
        counter.served(scope, "audio/sample00001-v1.mp3", 200, SIZE)
    assert time.perf_counter() - started < 1.0
    assert counter.dropped == 997
    counter.served(scope, "audio/sample00001-v1.vtt", 200, 100)  # not episode audio: not queued at all
    assert counter.dropped == 997

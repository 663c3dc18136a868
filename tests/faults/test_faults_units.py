"""The pieces the fault suite relies on, one by one and quickly: the render lease, the sweep of
leftovers, the reconciler's findings, the task limits and `run --queue` ending cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline import files
from pipeline.models import FeedEntry
from pipeline.run import publishing, reconcile, upkeep
from pipeline.run.article import prepare_article, render_article
from pipeline.run.feed import poll_feed
from pipeline.run.steps import Outcome
from pipeline.state import leases
from pipeline.state.articles import upsert_entry, upsert_feed
from pipeline.state.episodes import add_episode, all_episodes
from pipeline.state.leases import acquire_lease, lease_holder, release_lease
from pipeline.state.store import Store, open_store
from tests.conftest import REPO


def store_in(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'store.db'}")


def test_lease_is_exclusive_renewable_and_lapses(tmp_path):
    store = store_in(tmp_path)
    assert acquire_lease(store, "render:a", "host:1:x", 60)
    assert not acquire_lease(store, "render:a", "host:2:y", 60)
    assert acquire_lease(store, "render:a", "host:1:x", 60)  # the holder renews
    assert acquire_lease(store, "render:a", "host:2:y", 60, replacing="host:1:x")
    release_lease(store, "render:a", "host:2:y")
    assert lease_holder(store, "render:a") is None
    assert acquire_lease(store, "render:b", "host:1:x", 0.2)
    time.sleep(0.4)
    assert acquire_lease(store, "render:b", "host:2:y", 60)  # lapsed


def test_a_lease_of_a_dead_process_here_is_taken_over_at_once(tmp_path):
    store = store_in(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    acquire_lease(store, "render:a", f"{socket.gethostname()}:{dead.pid}:tok", 3600)
    with leases.held(store, "render:a", 60) as holder:
        assert lease_holder(store, "render:a")[0] == holder
        # a second render meanwhile is refused
        try:
            with leases.held(store, "render:a", 60):
                raise AssertionError("two holders at once")
        except leases.Busy:
            pass
    assert lease_holder(store, "render:a") is None


def test_sweep_removes_dead_writers_temp_files_and_keeps_live_ones(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = files.writer_tag().split("-")[0]
    stale = tmp_path / f".a-v1.mp3.{host}-{dead.pid}.abc.tmp"
    live = tmp_path / f".b-v1.mp3.{files.writer_tag()}.abc.tmp"
    old = tmp_path / "sub" / ".c.xml.other.tmp"
    old.parent.mkdir()
    for p in (stale, live, old):
        p.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    removed = files.sweep_tmp(tmp_path, older_than_s=3600)
    assert sorted(removed) == sorted([stale, old])
    assert live.exists()


def _one_episode(store, file_name: str) -> None:
    """Version 1 of article 0123456789abcdef, recorded (no files)."""
    add_episode(store, "0123456789abcdef", version=1, voice="v", voice_is_fallback=False, text_hash="t",
                      lexicon_version="", content_key="k", file_name=file_name, size=1, duration_s=1.0, title="A",
                      description="", chapters=[])


def test_sweep_removes_episode_files_without_a_record(tmp_path):
    store = store_in(tmp_path)
    audio = tmp_path / "audio"
    audio.mkdir()
    upsert_feed(store, "f", "http://x/feed.xml")
    upsert_entry(store, "f", "0123456789abcdef", FeedEntry("g", "http://x/a", "A"))
    _one_episode(store, "0123456789abcdef-v1.mp3")
    kept = [audio / "0123456789abcdef-v1.mp3", audio / "0123456789abcdef-v1.txt", audio / "notes.txt"]
    orphans = [audio / "0123456789abcdef-v2.mp3", audio / "0123456789abcdef-v2.txt"]
    rendering = audio / "fedcba9876543210-v1.mp3"
    for p in [*kept, *orphans, rendering]:
        p.write_bytes(b"x")
        os.utime(p, (time.time() - 120, time.time() - 120))
    acquire_lease(store, "render:fedcba9876543210", "elsewhere:1:t", 60)
    assert sorted(upkeep.sweep_orphans(audio, store)) == sorted(orphans)
    assert all(p.exists() for p in kept) and rendering.exists()


def test_reconciler_finds_stuck_articles_and_feeds_behind(settings):
    store = open_store(settings)
    settings.feeds = settings.feeds[:1]
    name = settings.feeds[0].name
    upsert_feed(store, name, settings.feeds[0].url)
    upsert_entry(store, name, "0123456789abcdef", FeedEntry("g", "http://x/a", "A"))
    later = datetime.now(UTC) + timedelta(seconds=settings.stuck_after_s + 1)
    assert [r.id for r in reconcile.stuck_articles(settings, store, now=later)] == ["0123456789abcdef"]
    assert reconcile.stuck_articles(settings, store) == []
    _one_episode(store, "x.mp3")
    assert reconcile.feeds_behind(settings, store) == [name]
    publishing.publish_feed(name, settings, store)
    assert reconcile.feeds_behind(settings, store) == []
    # An episode the feed does not list (older than its max_items newest) leaves the file's
    # bytes alone; once published, the feed is not behind for it, pass after pass.
    settings.max_items = 1
    old = FeedEntry("old", "http://x/old", "Alt", datetime(2000, 1, 1, tzinfo=UTC))
    upsert_entry(store, name, "fedcba9876543210", old)
    add_episode(store, "fedcba9876543210", version=1, voice="v", voice_is_fallback=False, text_hash="t",
                      lexicon_version="", content_key="k", file_name="y.mp3", size=1, duration_s=1.0, title="Alt",
                      description="", chapters=[], done=True)
    assert reconcile.feeds_behind(settings, store) == [name]
    publishing.publish_feed(name, settings, store)
    assert reconcile.feeds_behind(settings, store) == []


def test_every_task_has_limits_and_the_visibility_timeout_outlasts_them(settings):
    from workers.app import TASK_KINDS, make_app

    conf = make_app(settings).conf
    for name in TASK_KINDS:
        limits = conf.task_annotations[name]
        assert 0 < limits["soft_time_limit"] < limits["time_limit"]
        assert conf.broker_transport_options["visibility_timeout"] > 2 * limits["time_limit"]
    assert conf.beat_schedule["reconcile"]["schedule"] == settings.reconcile_s


def run_queue(tmp_path, broker: str, timeout: str = "3") -> subprocess.CompletedProcess:
    config = tmp_path / "newsaudio.toml"
    config.write_text(
        f'data_dir = "data"\noutput_dir = "output"\nbroker_url = "{broker}"\n'
        '[[feeds]]\nname = "sample"\nurl = "http://127.0.0.1:9/feed.xml"\n',
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--queue", "--timeout", timeout],
        cwd=tmp_path, env={**os.environ, "NEWSAUDIO_CONFIG": str(config), "PYTHONPATH": str(REPO)},
        capture_output=True, text=True, timeout=120,
    )


def test_run_queue_without_workers_ends_with_a_clear_message(tmp_path):
    from tests.support.faultkit import Redis

    redis = Redis(tmp_path / "redis")
    redis.start()
    try:
        result = run_queue(tmp_path, redis.url)
    finally:
        redis.stop()
    assert result.returncode == 1
    assert "no worker is consuming queue" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_run_queue_without_a_broker_ends_with_a_clear_message(tmp_path):
    from tests.support.faultkit import free_port

    result = run_queue(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    assert result.returncode == 2
    assert "broker" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_two_renders_of_one_article_at_once_publish_one_file_that_matches_its_record(settings, tmp_path):
    import threading

    from pipeline.config import FeedConfig
    from pipeline.run.sample_site import serve_site
    from tests.support.hostile_site import article_html, feed_xml, write_site

    site = write_site(tmp_path / "site", {"a.html": article_html("Ein Artikel, zweimal bestellt", 4)},
                      feed_xml([("a", "a.html", "A")]))
    with serve_site(site) as base:
        settings.feeds = [FeedConfig(name="f", url=f"{base}/feed.xml")]
        (article_id,) = poll_feed(settings.feeds[0], settings).article_ids
        assert prepare_article(article_id, settings).status == "prepared"
    outcomes: list[Outcome] = []
    threads = [threading.Thread(target=lambda: outcomes.append(render_article(article_id, settings)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.status for o in outcomes) in (["busy", "done"], ["done", "unchanged"])
    assert ["synthesis" in o.timings for o in outcomes].count(True) == 1, outcomes  # spoken once, not raced
    (episode,) = all_episodes(open_store(settings), article_id)
    mp3 = settings.audio_dir / episode.episode.file_name
    assert mp3.stat().st_size == episode.episode.bytes
    # That one version's files (MP3, transcripts, chapters) and nothing else: no temp file, no second copy.
    from pipeline.stages.publish.names import episode_files

    expected = sorted(Path(rel).name for rel in episode_files(mp3.name))
    assert sorted(p.name for p in settings.audio_dir.iterdir()) == expected


def test_a_redis_channel_closed_mid_reconnect_reports_a_connection_error_not_a_crash():
    """kombu read the cleared connection settings and raised AttributeError, which killed the
    worker on a Redis restart; a connection error is what the consumer recovers from."""
    import pytest
    import redis
    from kombu import Connection

    from pipeline.config import Settings
    from workers.app import make_app

    make_app(Settings())  # installs the fix, as every worker does
    with Connection("redis://127.0.0.1:6379/15") as conn:
        channel = conn.default_channel
        client, conn.transport.client = conn.transport.client, None  # as kombu leaves it while closing
        try:
            with pytest.raises(redis.exceptions.ConnectionError):
                channel._connparams()
        finally:
            conn.transport.client = client

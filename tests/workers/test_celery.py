"""A real Celery worker on the real Redis produces the same episodes as the in-process run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
import redis

from pipeline.cli.main import main
from pipeline.run.article import prepare_article
from pipeline.run.feed import poll_feed
from pipeline.run.parts import plan_parts
from pipeline.run.sample_site import serve_site
from pipeline.state.articles import get_article, list_articles
from pipeline.state.episodes import all_episodes, published_episodes
from pipeline.state.store import open_store
from tests.conftest import REPO, small_site

BROKER = os.environ.get("NEWSAUDIO_TEST_BROKER_URL", "redis://127.0.0.1:6379/9")


def write_config(folder: Path, feed_url: str, extra: str = "") -> Path:
    config = folder / "newsaudio.toml"
    config.write_text(
        f"""{extra}
public_base_url = "http://localhost:8000"
output_dir = "output"
data_dir = "data"
broker_url = "{BROKER}"
allow_private_addresses = true
timeout_s = 5

[[feeds]]
name = "sample"
url = "{feed_url}"
title = "Beispiel"
""",
        encoding="utf-8",
    )
    return config


def episodes(settings) -> dict[str, tuple]:
    store = open_store(settings)
    return {
        r.episode.guid: (r.episode.version, r.episode.voice, r.content_key, r.episode.file_name)
        for r in published_episodes(store, "sample")
    }


@pytest.fixture
def worker(tmp_path):
    redis.Redis.from_url(BROKER).flushdb()  # this database number belongs to the tests
    logs = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    env = {**os.environ, "NEWSAUDIO_CONFIG": str(tmp_path / "queued" / "newsaudio.toml")}
    (tmp_path / "queued").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "default,synth",
         "--concurrency", "2", "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
        cwd=REPO, env=env, stdout=logs, stderr=subprocess.STDOUT,
    )
    yield proc, tmp_path / "queued"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    logs.close()


def test_queued_run_matches_in_process_run(worker, tmp_path, capsys):
    proc, queued_dir = worker
    site = small_site(tmp_path / "site")
    with serve_site(site) as base:
        feed_url = f"{base}/feed.xml"
        # Small parts, so the queued run also exercises splitting an article across synth tasks.
        write_config(queued_dir, feed_url, extra="segments_per_task = 5\nsplit_min_rtf = 0")
        embedded_dir = tmp_path / "embedded"
        embedded_dir.mkdir()
        from pipeline.config import load_settings

        embedded = load_settings(write_config(embedded_dir, feed_url), env={})
        queued = load_settings(queued_dir / "newsaudio.toml", env={})

        assert main(["--config", str(embedded_dir / "newsaudio.toml"), "run"]) == 1  # the sample's 404
        deadline = time.time() + 60
        while b"ready" not in (tmp_path / "worker.log").read_bytes():
            assert proc.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.time() < deadline, "worker did not start"
            time.sleep(0.5)
        code = main(["--config", str(queued_dir / "newsaudio.toml"), "run", "--queue", "--timeout", "300"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "1 done" in out and "1 failed" in out
    assert episodes(queued) == episodes(embedded)
    assert len(episodes(queued)) == 1
    for name in (v[3] for v in episodes(queued).values()):
        assert (queued.audio_dir / name).read_bytes()[:3] == b"ID3"
    failed = list_articles(open_store(queued), "sample", "failed")
    assert [(r.reason, r.guid) for r in failed] == [("http-404", "ntv-article00000000")]
    # the feed was published after the (split) rendering finished, so it lists the episode
    xml = (queued.feeds_dir / "sample.xml").read_text(encoding="utf-8")
    assert all(v[3] in xml for v in episodes(queued).values())


def test_app_settings_keep_work_safe_and_beat_polls_every_feed(tmp_path):
    from pipeline.config import load_settings
    from workers.app import make_app

    config = write_config(tmp_path, "https://www.n-tv.de/politik/rss")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        "poll_minutes = 7\n" + text + '[[feeds]]\nname = "sport"\nurl = "https://www.n-tv.de/sport/rss"\n',
        encoding="utf-8",
    )
    app = make_app(load_settings(config, env={}))
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_url == BROKER
    assert conf.task_routes["workers.tasks.render_article"] == {"queue": "synth"}
    schedule = {
        name: (entry["args"], entry["schedule"]) for name, entry in conf.beat_schedule.items() if name != "reconcile"
    }
    assert schedule == {"poll-sample": (("sample",), 420.0), "poll-sport": (("sport",), 420.0)}


def test_a_long_article_is_spoken_and_mastered_by_parallel_tasks_then_joined(worker, tmp_path):
    proc, queued_dir = worker
    site = small_site(tmp_path / "site")
    with serve_site(site) as base:
        config = write_config(queued_dir, f"{base}/feed.xml", extra="segments_per_task = 5\nsplit_min_rtf = 0")
        from pipeline.config import load_settings
        from workers.app import make_app

        settings = load_settings(config, env={})
        polled = poll_feed(settings.feed("sample"), settings)
        store = open_store(settings)
        (seed,) = [i for i in polled.article_ids if get_article(store, i).guid == "ntv-article24649386"]
        assert prepare_article(seed, settings).status == "prepared"
        parts = plan_parts(seed, settings)
        assert parts >= 3
        deadline = time.time() + 60
        while b"ready" not in (tmp_path / "worker.log").read_bytes():
            assert proc.poll() is None and time.time() < deadline
            time.sleep(0.5)
        result = make_app(settings).send_task("workers.tasks.speak_article", args=(seed,))
        outcome = result.get(timeout=300)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    # every segment was spoken and mastered by a part task; the render task joined their MP3s
    assert log.count("Task workers.tasks.speak_part[") >= 2 * parts  # received + succeeded lines
    assert outcome["status"] == "done" and outcome["version"] == 1
    assert outcome["synthesised"] == 0 and outcome["cached"] > 0
    assert "join" in outcome["timings"] and "master" not in outcome["timings"]
    (episode,) = all_episodes(store, seed)
    assert (settings.audio_dir / episode.episode.file_name).stat().st_size == episode.episode.bytes
    # the feed follows the work: no poll's chord published it, the render did as it finished
    listed = feedparser.parse((settings.feeds_dir / "sample.xml").read_bytes())
    assert [e.enclosures[0].href.rsplit("/", 1)[1] for e in listed.entries] == [episode.episode.file_name]

"""A worker process killed mid-task loses nothing: the task goes back to the queue and runs again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from pipeline.config import load_settings
from pipeline.run.feed import poll_feed
from pipeline.run.sample_site import SAMPLE_SITE, serve_site
from pipeline.state.articles import get_article
from pipeline.state.episodes import all_episodes
from pipeline.state.store import open_store
from tests.conftest import REPO
from tests.workers.test_celery import BROKER, write_config
from workers.app import make_app

LONG_ARTICLE = "ntv-article25136526"  # the basketball piece: long enough to be killed mid-way


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_killed_worker_process_does_not_lose_the_article(tmp_path: Path):
    redis.Redis.from_url(BROKER).flushdb()
    with serve_site(SAMPLE_SITE) as base:
        config = write_config(tmp_path, f"{base}/feed.xml")
        settings = load_settings(config, env={})
        polled = poll_feed(settings.feed("sample"), settings)
        store = open_store(settings)
        (article_id,) = [i for i in polled.article_ids if get_article(store, i).guid == LONG_ARTICLE]

        log_path = tmp_path / "worker.log"
        with open(log_path, "wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "default,synth",
                 "--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
                cwd=REPO, env={**os.environ, "NEWSAUDIO_CONFIG": str(config)}, stdout=log, stderr=subprocess.STDOUT,
            )
            try:
                wait_for(lambda: b"ready" in log_path.read_bytes(), 60, "the worker")
                app = make_app(settings)
                result = app.send_task("workers.tasks.process_article", args=(article_id,))
                # Kill the pool process once the article is fetched and being voiced.
                wait_for(lambda: get_article(store, article_id).status == "prepared", 60, "the task to start")
                (child,) = children(worker.pid)
                os.kill(child, signal.SIGKILL)
                outcome = result.get(timeout=300)
                log_text = log_path.read_text(errors="replace")
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
    assert "WorkerLostError" in log_text or "exited prematurely" in log_text, log_text[-2000:]
    assert outcome["status"] == "done" and outcome["version"] == 1
    assert get_article(store, article_id).status == "done"
    (episode,) = all_episodes(store, article_id)
    assert (settings.audio_dir / episode.episode.file_name).stat().st_size == episode.episode.bytes

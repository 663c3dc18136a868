"""The feed follows the work: each finished article is in the podcast feed as soon as it is
finished, so a run stopped by Ctrl-C or killed outright (a scheduler's timeout, the OOM killer)
keeps everything that finished in the feed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import feedparser
import pytest

from tests.cli.test_cli_operator import _page, write_config
from tests.conftest import REPO, reply

TITLES = ["Erster Artikel über die Brücke", "Zweiter Artikel über den Hafen", "Dritter Artikel über die Schule",
          "Vierter Artikel über den Markt", "Fünfter Artikel über das Theater"]


def stalling(h: BaseHTTPRequestHandler) -> None:
    """A page that takes far longer than the run is allowed to live."""
    time.sleep(20)
    try:
        reply(b"<html><body><p>zu spaet</p></body></html>")(h)
    except OSError:
        pass


@pytest.fixture
def five_articles_two_quick(web, tmp_path: Path) -> Path:
    """A feed of five articles (newest first): the first two pages answer at once, the others stall."""
    items = []
    for i, title in enumerate(TITLES):
        web[f"/a{i}.html"] = reply(_page(title).encode()) if i < 2 else stalling
        day = 10 - i  # the feed lists newest first; the run takes the newest first
        items.append(f"<item><title>{title}</title><link>{web.base}/a{i}.html</link>"
                     f"<guid isPermaLink='false'>g{i}</guid><pubDate>Mon, {day:02d} Nov 2025 08:00:00 +0000</pubDate>"
                     "</item>")
    web["/feed.xml"] = reply(f"<rss version='2.0'><channel><title>t</title>{''.join(items)}</channel></rss>".encode(),
                             "application/rss+xml")
    write_config(tmp_path, f"{web.base}/feed.xml")  # timeout_s = 5: the stalling pages take longer
    return tmp_path


def done_count(folder: Path) -> int:
    db = folder / "data" / "newsaudio.db"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # the run is creating the schema
        return 0


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_stopped_run_keeps_what_finished_in_the_feed(five_articles_two_quick, stop):
    folder = five_articles_two_quick
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSAUDIO_")}
    env.update({"PYTHONPATH": str(REPO), "TTS_HOME": str(folder / "tts")})
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run"], cwd=folder, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while done_count(folder) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert done_count(folder) == 2, "the two quick articles were voiced"
        time.sleep(1)  # the run now waits on the third page
        assert proc.poll() is None
        proc.send_signal(stop)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert code == (130 if stop == signal.SIGINT else -signal.SIGKILL), stderr
    feed = feedparser.parse((folder / "output" / "feeds" / "lokal.xml").read_bytes())
    assert sorted(e.title for e in feed.entries) == sorted(TITLES[:2])

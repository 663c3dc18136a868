"""A CMS pushes an article (POST /api/v1/articles) and the episode lands in the feed: in the
embedded mode (jobs in the web process) and through a real Celery worker on a real Redis."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import httpx
import pytest

from pipeline.config import load_settings
from pipeline.run.sample_site import SAMPLE_SITE, serve_site
from pipeline.run.webhook_delivery import verify
from pipeline.state import accounts, webhooks
from pipeline.state.articles import get_article
from pipeline.state.store import open_store
from tests.conftest import REPO
from tests.support.webapp import serve_app
from tests.web.test_console_safety import Receiver
from web.files.nginx import free_port

SEED_PAGE = "/articles/politik-russland-iran-militaerabkommen.html"


def wait_job(client: httpx.Client, job_id: str, timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        assert time.time() < deadline, job
        time.sleep(0.3)


def api(base: str, settings) -> httpx.Client:
    token = accounts.add_token(open_store(settings), "cms", ["read", "articles:write"], "test")
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def feed_entries(settings) -> list:
    return feedparser.parse((settings.feeds_dir / "sample.xml").read_bytes()).entries


def test_a_push_is_voiced_published_announced_and_can_be_withdrawn(sample_settings):
    settings = sample_settings
    store = open_store(settings)
    receiver = Receiver([])
    hook = webhooks.add_hook(store, receiver.url, list(webhooks.EVENTS))
    page = settings.feeds[0].url.replace("/feed.xml", SEED_PAGE)
    with serve_app(settings) as base, api(base, settings) as client:
        pushed = client.post("/api/v1/articles", json={"url": page, "feed": "sample"})
        assert pushed.status_code == 202
        job = wait_job(client, pushed.json()["job_id"])
        assert job["status"] == "done" and job["result"]["version"] == 1, job
        article_id = pushed.json()["article_id"]
        (entry,) = feed_entries(settings)
        assert entry.id == page  # the pushed URL is its GUID
        article = client.get(f"/api/v1/articles/{article_id}").json()
        assert article["status"] == "done" and article["version"] == 1
        assert article["synthetic"] and article["versions"][0]["synthetic"] and article["versions"][0]["voice_name"]
        assert entry.enclosures[0].href == article["versions"][0]["audio_url"]
        assert (settings.audio_dir / Path(article["versions"][0]["audio_url"]).name).read_bytes()[:3] == b"ID3"

        again = client.post("/api/v1/articles", json={"url": page, "feed": "sample"})
        assert again.status_code == 202 and again.json()["article_id"] == article_id  # idempotent per URL
        assert wait_job(client, again.json()["job_id"])["result"]["status"] == "unchanged"

        regenerated = wait_job(client, client.post(f"/api/v1/articles/{article_id}/regenerate").json()["job_id"])
        assert regenerated["result"]["version"] == 2  # even though nothing changed
        (entry,) = feed_entries(settings)
        assert entry.id == page and entry.enclosures[0].href.endswith("-v2.mp3")

        gone = wait_job(client, client.delete(f"/api/v1/articles/{article_id}",
                                              params={"reason": "Falsche Zahlen im zweiten Absatz"}).json()["job_id"])
        assert gone["status"] == "done" and gone["message"] == "Falsche Zahlen im zweiten Absatz"
        assert feed_entries(settings) == []
        # the reason is the withdrawal's message, as an editor's is, and in the audit log
        assert get_article(store, article_id).message == "Falsche Zahlen im zweiten Absatz"
        (logged,) = [e for e in accounts.audit_entries(store, 50) if e.action == "article.withdraw"]
        assert logged.after["reason"] == "Falsche Zahlen im zweiten Absatz" and logged.actor == "token:cms"
        name = Path(entry.enclosures[0].href).name
        assert (settings.output_dir / ".gone" / "audio" / name).exists()
        assert not (settings.audio_dir / name).exists()
        wait_job(client, client.post(f"/api/v1/articles/{article_id}/restore").json()["job_id"])
        assert [e.id for e in feed_entries(settings)] == [page]
        assert (settings.audio_dir / name).exists()

        bad = client.post("/api/v1/articles", json={"url": page, "feed": "nope"})
        assert bad.status_code == 400 and "nope" in bad.json()["error"]

    events = [(h["X-Newsaudio-Event"], verify(hook.secret, body, h["X-Newsaudio-Signature"]))
              for h, body in receiver.got]
    assert events == [("audio.published", True), ("audio.published", True), ("audio.withdrawn", True)]
    receiver.server.shutdown()


@pytest.fixture
def redis_url(tmp_path):
    """A Redis of the test's own on a free port (databases 0-15 of the shared one are taken)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed (Debian: apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.time() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def test_a_push_goes_through_a_real_celery_worker(tmp_path, redis_url):
    folder = tmp_path / "queued"
    folder.mkdir()
    with serve_site(SAMPLE_SITE) as site:
        config = folder / "newsaudio.toml"
        config.write_text(
            f"""public_base_url = "http://localhost:8000"
output_dir = "output"
data_dir = "data"
broker_url = "{redis_url}"
jobs_backend = "celery"
segments_per_task = 6
split_min_rtf = 0
allow_private_addresses = true
timeout_s = 5
lexicon = "{REPO / 'tests' / 'fixtures' / 'lexicon.toml'}"

[[feeds]]
name = "sample"
url = "{site}/feed.xml"
""",
            encoding="utf-8",
        )
        settings = load_settings(config, env={})
        log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "default,synth",
             "--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=REPO, env={**os.environ, "NEWSAUDIO_CONFIG": str(config)}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            with serve_app(settings) as base, api(base, settings) as client:
                pushed = client.post("/api/v1/articles", json={"url": site + SEED_PAGE, "feed": "sample"})
                assert pushed.status_code == 202
                job = wait_job(client, pushed.json()["job_id"])
                assert job["status"] == "done" and job["result"]["version"] == 1, job
                # a withdrawal's reason travels with its job to the worker that runs it
                article_id = pushed.json()["article_id"]
                gone = client.post(f"/api/v1/articles/{article_id}/withdraw", json={"reason": "Rechtlich geprüft"})
                assert wait_job(client, gone.json()["job_id"])["status"] == "done"
                assert get_article(open_store(settings), article_id).message == "Rechtlich geprüft"
                wait_job(client, client.post(f"/api/v1/articles/{article_id}/restore").json()["job_id"])
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            log.close()
    worker_log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "Task workers.tasks.run_job[" in worker_log and "succeeded" in worker_log  # the worker did it
    # the push went the way a polled article goes: its parts spoken as tasks of their own, then
    # the render, then the job finished (not one task speaking it whole)
    assert "Task workers.tasks.speak_part[" in worker_log and "Task workers.tasks.finish_job[" in worker_log
    (entry,) = feed_entries(settings)
    assert entry.id == site + SEED_PAGE
    assert entry.enclosures[0].href.endswith("-v1.mp3")

"""The fault suite's rig: a private Redis (deploy/redis.conf, so persistence is the shipped one),
PostgreSQL reached through a TCP proxy the test can cut, a small news site, real Celery
worker processes and `newsaudio run --queue` as a subprocess. Nothing here touches the shared
Redis or PostgreSQL server beyond one schema of its own."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from sqlalchemy import create_engine, text

from pipeline.config import Settings, load_settings
from pipeline.run.sample_site import serve_site
from pipeline.state.articles import list_articles
from pipeline.state.episodes import all_episodes
from pipeline.state.leases import lease_holder
from pipeline.state.store import open_store
from tests.conftest import REPO
from tests.support.hostile_site import article_html, feed_xml, write_site

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN = os.environ.get("NEWSAUDIO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


class Redis:
    """redis-server from deploy/redis.conf on a free loopback port, data in a temp folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", str(REPO / "deploy" / "redis.conf"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 10, "redis")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self, down_s: float = 1.0) -> None:
        """A Redis restart as an operator does it: SIGTERM (it writes its AOF), then start again."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)


class Proxy:
    """A TCP proxy to PostgreSQL that the test can cut (connections dropped, new ones refused)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.resume()

    def resume(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self.listener = self.listener, None
        if listener:
            listener.close()
        with self.lock:
            for s in self.links:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.links.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def site_pages(short: int, long_paragraphs: int) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    pages = {f"kurz{i}.html": article_html(f"Kurzmeldung Nummer {i} aus dem Rathaus", 3) for i in range(short)}
    pages["lang.html"] = article_html("Der lange Bericht aus dem Stadtrat", long_paragraphs)
    items = [(f"g-{name}", name, f"Titel {name}") for name in pages]
    return pages, items


class Cluster:
    """Everything one fault scenario needs, in ``folder``."""

    # The times every scenario runs with (seconds), shortened from the shipped ones so faults
    # heal within a test; a scenario overrides some through ``times`` (None: the shipped default).
    TIMES: dict[str, float | None] = {
        "timeout_s": 5,
        "io_task_limit_s": 30,
        "synth_task_limit_s": 90,
        "task_grace_s": 10,
        "visibility_timeout_s": 20,
        "reconcile_s": 4,
        "lease_timeout_s": 12,
        "stuck_after_s": 15,
        "stale_tmp_s": 60,
        "task_backoff_max_s": 4,
    }

    def __init__(
        self, folder: Path, *, short: int = 2, long_paragraphs: int = 10, extra: str = "",
        times: dict[str, float | None] | None = None,
    ) -> None:
        self.folder = folder
        self.redis = Redis(folder / "redis")
        self.proxy = Proxy((POSTGRES_HOST, POSTGRES_PORT))
        self.schema = f"na_fault_{uuid.uuid4().hex[:10]}"
        self.workers: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        pages, items = site_pages(short, long_paragraphs)
        self.site = write_site(folder / "site", pages, feed_xml(items))
        self.article_count = len(pages)
        self.extra = extra
        self.times = {**self.TIMES, **(times or {})}

    def __enter__(self) -> Cluster:
        admin = create_engine(POSTGRES_ADMIN)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.schema}"))
        admin.dispose()
        self.redis.start()
        self._site = serve_site(self.site)
        base = self._site.__enter__()
        db = f"postgresql+psycopg://postgres@127.0.0.1:{self.proxy.port}/test?options=-csearch_path%3D{self.schema}"
        times = "\n".join(f"{name} = {value}" for name, value in self.times.items() if value is not None)
        self.config = self.folder / "newsaudio.toml"
        self.config.write_text(
            f"""{self.extra}
public_base_url = "http://localhost:8000"
output_dir = "output"
data_dir = "data"
database_url = "{db}"
broker_url = "{self.redis.url}"
allowed_hosts = ["127.0.0.1"]
{times}

[[feeds]]
name = "sample"
url = "{base}/feed.xml"
title = "Beispiel"
""",
            encoding="utf-8",
        )
        self.settings: Settings = load_settings(self.config, env={})
        return self

    def __exit__(self, *exc: object) -> None:
        for w in self.workers:
            self.stop_worker(w)
        self._site.__exit__(None, None, None)
        self.redis.stop()
        self.proxy.cut()
        from pipeline.state.store import _store

        _store.cache_clear()
        admin = create_engine(POSTGRES_ADMIN)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
        admin.dispose()

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "NEWSAUDIO_CONFIG": str(self.config), "PYTHONPATH": str(REPO)}

    def start_worker(
        self, name: str, *, concurrency: int = 1, beat: bool = False, wait: bool = True
    ) -> subprocess.Popen:
        log = self.folder / f"worker-{name}.log"
        args = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "default,synth",
                "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                "-n", f"{name}@%h"]
        if beat:
            args += ["-B", "--schedule", str(self.folder / f"beat-{name}")]
        with open(log, "wb") as out:
            proc = subprocess.Popen(args, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.workers.append(proc)
        self.logs.append(log)
        if wait:
            wait_for(lambda: b" ready." in log.read_bytes(), 90, f"worker {name}")
        return proc

    def start_beat(self) -> subprocess.Popen:
        """Celery beat in a process of its own (it sends the polls and the reconciler's passes),
        so a scenario can kill any worker and keep the schedule going."""
        log = self.folder / "beat.log"
        args = [sys.executable, "-m", "celery", "-A", "workers.app", "beat", "--loglevel", "INFO",
                "--schedule", str(self.folder / "beat-schedule")]
        with open(log, "wb") as out:
            proc = subprocess.Popen(args, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.workers.append(proc)
        self.logs.append(log)
        return proc

    def stop_worker(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def run_queue(self, timeout: float = 240) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "run", "--queue", "--timeout", str(timeout)],
            cwd=self.folder, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def store(self):

        return open_store(self.settings)

    def long_article(self) -> str:
        (row,) = [r for r in list_articles(self.store(), "sample") if r.url.endswith("lang.html")]
        return row.id

    def render_holder(self, article_id: str) -> int | None:
        """The pid rendering ``article_id`` right now (from its lease), or None."""
        held = lease_holder(self.store(), f"render:{article_id}")
        return int(held[0].split(":")[1]) if held else None

    def unacked(self, article_id: str) -> list[str]:
        """Delivery tags of the messages for ``article_id`` that a worker received and never
        acknowledged (kombu keeps them in Redis until the visibility timeout hands them out again)."""
        import redis

        tags = []
        for tag, payload in redis.Redis.from_url(self.redis.url).hgetall("unacked").items():
            message = json.loads(payload)[0]
            body = json.loads(base64.b64decode(message["body"]))
            if body[0] and body[0][0] == article_id:
                tags.append(tag.decode())
        return tags

    def redeliver(self, tags: list[str]) -> None:
        """What Redis does once the visibility timeout has passed, now: each unacknowledged
        message goes back to its queue (kombu's own restore, as a worker runs it)."""
        from kombu import Connection

        with Connection(self.redis.url) as conn:
            for tag in tags:
                conn.default_channel.qos.restore_by_tag(tag)

    def worker_log(self, tail: int = 3000) -> str:
        return "\n".join(p.read_text(errors="replace")[-tail:] for p in self.logs)

    # -- what must hold after every fault ---------------------------------------------------
    def check(self) -> None:
        store = self.store()
        output = self.settings.output_dir
        rows = list_articles(store, "sample")
        assert len(rows) == self.article_count
        assert all(r.status == "done" for r in rows), [(r.id, r.status, r.reason, r.message) for r in rows]
        # every article published exactly once: one episode record (version 1), one feed item
        episodes = all_episodes(store)
        assert sorted(e.article_id for e in episodes) == sorted(r.id for r in rows), "an article voiced twice"
        assert all(e.episode.version == 1 for e in episodes)
        tree = etree.parse(str(self.settings.feeds_dir / "sample.xml"))
        guids = [g.text for g in tree.iter("guid")]
        assert sorted(guids) == sorted(r.guid for r in rows)
        # enclosure lengths equal the files
        for enclosure in tree.iter("enclosure"):
            name = enclosure.get("url").rsplit("/", 1)[1]
            assert (self.settings.audio_dir / name).stat().st_size == int(enclosure.get("length")), name
        # no temp file left, no file without a record, no record without its file
        assert not [p for p in output.rglob("*.tmp")], list(output.rglob("*.tmp"))
        recorded = {e.episode.file_name.removesuffix(".mp3") for e in episodes}
        names = [p.name for p in self.settings.audio_dir.iterdir()]
        on_disk = {n.split(".")[0] for n in names if re.match(r"^[0-9a-f]{16}-v", n)}
        assert on_disk == recorded
        for e in episodes:
            assert (self.settings.audio_dir / e.episode.file_name).stat().st_size == e.episode.bytes

"""Fixtures for the web tests: a small published output folder, and the two servers that serve it
(`newsaudio serve` as a real subprocess, and Debian's nginx with deploy/nginx.conf in front of it).

Loaded by tests/conftest.py (pytest_plugins), so every web test module shares one set per session.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from pipeline.files import atomic_write
from pipeline.models import Segment
from pipeline.stages.master import Tags, master
from web.files.nginx import free_port, running_nginx

REPO = Path(__file__).resolve().parents[2]
SECRET = b"SECRET-outside-output-7f3a"
AUDIO_SECONDS = 30
EPISODES = ("3f2a9c1e0b7d4a55", "77aa01c2d3e4f5a6", "9b8c7d6e5f4a3b2c")


@dataclass(frozen=True)
class Published:
    output: Path
    secret: Path
    audio: str  # relative path of one episode's MP3
    audio_bytes: bytes
    duration_s: float


@dataclass(frozen=True)
class Server:
    kind: str  # "app" or "nginx"
    base: str
    pid: int

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


def tone_mp3(seconds: float, rate: int = 22050) -> bytes:
    """A real CBR MP3 through the project's encoder: a tone that changes pitch each second, so
    any seek position has audio."""
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    freq = 220.0 + 40.0 * np.floor(t % 10)
    tone = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    tags = Tags("Ton", "newsaudio", "Tests")
    return master([Segment("Ton")], [tone], rate, tags, out_rate=22050, bitrate_kbps=32).mp3


def build_output(root: Path) -> Published:
    """Everything newsaudio publishes, with German text, plus what must never be served."""
    out = root / "output"
    mp3 = tone_mp3(AUDIO_SECONDS)
    for i, episode in enumerate(EPISODES):
        stem = f"audio/{episode}-v{i + 1}"
        atomic_write(out / f"{stem}.mp3", mp3)
        atomic_write(
            out / f"{stem}.vtt",
            "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nÄrger über Straßenbäume in Köln\n".encode(),
        )
        cue = {"startTime": 0.0, "endTime": 4.0, "body": "Ärger über Straßenbäume in Köln"}
        transcript = {"version": "1.0.0", "segments": [cue]}
        atomic_write(out / f"{stem}.json", json.dumps(transcript, ensure_ascii=False).encode())
        atomic_write(out / f"{stem}.txt", "Ärger über Straßenbäume in Köln\n".encode())
        atomic_write(out / f"{stem}.chapters.json", json.dumps({"version": "1.2.0", "chapters": [
            {"startTime": 0, "title": "Grüße aus Köln"}]}, ensure_ascii=False).encode())
    atomic_write(out / "articles/www.n-tv.de/politik/koeln.html.json",
                 json.dumps({"schema": 1, "title": "Ärger in Köln"}, ensure_ascii=False).encode())
    atomic_write(out / "feeds/sample.json", json.dumps({"https://www.n-tv.de/x": {"title": "Ärger"}}).encode())
    atomic_write(out / "cover.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    # Withdrawn: the file is gone, its tombstone stays.
    atomic_write(out / ".gone/audio/0000000000000000-v1.mp3", b"")
    # A temp file mid-write, and a file outside output/ that traversal would reach.
    atomic_write(out / "audio/.3f2a9c1e0b7d4a55-v9.mp3.x1y2.tmp", b"half-written")
    secret = root / "secret.txt"
    secret.write_bytes(SECRET)
    return Published(out, secret, f"audio/{EPISODES[0]}-v1.mp3", mp3, float(AUDIO_SECONDS))


def _wait(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`newsaudio serve` exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"`newsaudio serve` did not answer on {host}:{port}")


def start_app(
    output: Path, data: Path, env: dict[str, str] | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> tuple[subprocess.Popen[bytes], str]:
    """`newsaudio serve` as a user runs it, on a free loopback port (or the one given)."""
    port = port or free_port()
    environ = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "NEWSAUDIO_CONFIG": str(REPO / "newsaudio.toml"),
        "NEWSAUDIO_OUTPUT_DIR": str(output),
        "NEWSAUDIO_DATA_DIR": str(data),
        "NEWSAUDIO_DATABASE_URL": "",
        "NEWSAUDIO_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--host", host, "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(host, port, proc)
    except BaseException:
        stop(proc)
        raise
    return proc, f"http://{host}:{port}"


def stop(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Ask a server to end, and kill it when it has not within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    published = build_output(tmp_path_factory.mktemp("web"))
    write_feed(published, "sample", "http://127.0.0.1")
    return published


@pytest.fixture(scope="session")
def app_server(published: Published) -> Iterator[Server]:
    proc, base = start_app(published.output, published.output.parent / "data")
    try:
        yield Server("app", base, proc.pid)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def nginx_server(published: Published, app_server: Server) -> Iterator[Server]:
    """Debian's nginx with the shipped config; it proxies the dynamic paths to the app."""
    with running_nginx(published.output, upstream=f"127.0.0.1:{app_server.port}") as base:
        yield Server("nginx", base, 0)


@pytest.fixture(scope="session", params=["app", "nginx"])
def server(request: pytest.FixtureRequest) -> Server:
    """Each conformance test runs against both servers."""
    return request.getfixturevalue(f"{request.param}_server")


def write_feed(published: Published, name: str, base: str) -> str:
    """A feed through the project's renderer whose enclosures point at ``base``; its path."""
    from pipeline.config import Channel
    from pipeline.models import Episode
    from pipeline.stages.publish.rss import render_feed

    episodes = [
        Episode(
            guid=f"guid-{e}", episode_id=e, version=i + 1, title=f"Ärger über Straßenbäume {i}",
            description="Köln streitet", link=f"https://www.n-tv.de/politik/{e}.html",
            published=datetime(2024, 3, i + 1, 9, 30, tzinfo=UTC), voice="espeak-de", text_hash="h",
            file_name=f"{e}-v{i + 1}.mp3", bytes=len(published.audio_bytes), duration_s=published.duration_s,
        )
        for i, e in enumerate(EPISODES)
    ]
    channel = Channel(title="Beispiel", description="Nachrichten zum Hören", link="https://www.n-tv.de/")
    xml = render_feed(channel, episodes, feed_name=name, feed_title="Beispiel", public_base_url=base)
    atomic_write(published.output / "feeds" / f"{name}.xml", xml)
    return f"feeds/{name}.xml"

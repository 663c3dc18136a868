"""`/healthz` of `newsaudio serve`: 503 with the reason when the store or the output folder fails."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.webservers import start_app, stop
from web.files.nginx import free_port


def _healthz(output: Path, data: Path, env: dict[str, str] | None = None) -> httpx.Response:
    proc, base = start_app(output, data, env)
    try:
        return httpx.get(f"{base}/healthz", timeout=30)
    finally:
        stop(proc)


def test_a_missing_output_folder_is_503_with_the_reason(tmp_path: Path):
    r = _healthz(tmp_path / "not-there", tmp_path / "data")
    assert r.status_code == 503
    assert r.json()["ok"] is False
    assert "output folder" in r.json()["reason"]
    assert "store" not in r.json()["reason"]


def test_an_unreachable_store_is_503_and_does_not_leak_its_address(tmp_path: Path):
    (tmp_path / "output").mkdir()
    closed = free_port()  # nothing listens there
    url = f"postgresql+psycopg://newsaudio:hunter2@127.0.0.1:{closed}/newsaudio?connect_timeout=2"
    r = _healthz(tmp_path / "output", tmp_path / "data", {"NEWSAUDIO_DATABASE_URL": url})
    assert r.status_code == 503
    assert "store unreachable" in r.json()["reason"]
    assert "hunter2" not in r.text and str(closed) not in r.text

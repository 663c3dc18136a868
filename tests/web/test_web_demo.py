"""The demo's feed points where `newsaudio serve` answers: a listener subscribes without editing."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import podcastparser

from pipeline.cli.main import main
from pipeline.config import load_settings
from tests.support.webservers import REPO, build_output, start_app, stop, write_feed
from web.files.nginx import free_port


def test_the_shipped_config_builds_feed_urls_that_newsaudio_serve_answers(tmp_path: Path):
    port = free_port()
    settings = load_settings(REPO / "newsaudio.toml", env={"NEWSAUDIO_SERVE_PORT": str(port)})
    base = urlsplit(settings.public_base_url)
    # "auto": this machine's network address (not localhost, which a phone cannot reach)
    # and the port `newsaudio serve` listens on by default.
    assert base.port == settings.serve_port == port
    assert base.hostname not in ("localhost", "::1")

    published = build_output(tmp_path)
    feed = write_feed(published, "sample", settings.public_base_url)
    # serve binds all interfaces by default; the test binds only the address the feed names.
    proc, _ = start_app(
        published.output, tmp_path / "data", {"NEWSAUDIO_PUBLIC_BASE_URL": "auto", "NEWSAUDIO_SERVE_PORT": str(port)},
        host=base.hostname, port=port,
    )
    try:
        url = f"{settings.public_base_url}/{feed}"
        r = httpx.get(url, timeout=10)
        assert r.status_code == 200
        episodes = podcastparser.parse(url, io.BytesIO(r.content))["episodes"]
        assert episodes
        for episode in episodes:
            assert httpx.head(episode["enclosures"][0]["url"], timeout=10).status_code == 200
    finally:
        stop(proc)


def test_serve_says_where_it_listens_in_its_help(capsys):
    try:
        main(["serve", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    said = capsys.readouterr().out
    assert "--host" in said and "--port" in said and "0.0.0.0" in said and "8000" in said

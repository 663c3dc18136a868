"""The demo's feed points where `newsaudio serve` answers: a listener subscribes without editing."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import podcastparser

from pipeline.cli.main import main
from pipeline.config import load_settings
from pipeline.run import publishing
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode
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


def test_serve_on_another_port_writes_that_port_into_everything_when_the_address_is_auto(tmp_path: Path):
    port = free_port()
    settings = load_settings(REPO / "newsaudio.toml", env={})
    assert port != settings.serve_port
    settings.output_dir, settings.data_dir, settings.database_url = tmp_path / "output", tmp_path / "data", ""
    settings.lexicon = REPO / "tests" / "fixtures" / "lexicon.toml"
    store = open_store(settings)
    add_episode(store, settings, 1)
    publishing.publish_feed("sample", settings, store)
    old = settings.public_base_url  # "auto" with serve_port, as `newsaudio run` wrote it
    lan = urlsplit(old).hostname
    proc, _ = start_app(settings.output_dir, settings.data_dir, {"NEWSAUDIO_PUBLIC_BASE_URL": "auto"},
                        host=lan, port=port)
    try:
        feed = httpx.get(f"http://{lan}:{port}/feeds/sample.xml", timeout=10).content
        (episode,) = podcastparser.parse("feed", io.BytesIO(feed))["episodes"]
        assert urlsplit(episode["enclosures"][0]["url"]).port == port
        assert httpx.head(episode["enclosures"][0]["url"], timeout=10).status_code == 200
        stale = [p for p in settings.output_dir.rglob("*") if p.is_file() and old.encode() in p.read_bytes()]
        assert stale == [], "the player data names the port too"
    finally:
        stop(proc)

"""Shared fixtures: settings pointing into a temp folder, and real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree

from pipeline.config import FeedConfig, Settings, load_settings
from pipeline.run.sample_site import SAMPLE_SITE, serve_site

# The web tests' servers and published folder, shared by every web test module in a session.
pytest_plugins = ["tests.support.webservers"]

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def settings_in(folder: Path, feed_url: str | None = None) -> Settings:
    """The shipped newsaudio.toml, with output, store and cache in ``folder``."""
    s = load_settings(REPO / "newsaudio.toml", env={})
    s.output_dir = folder / "output"
    s.data_dir = folder / "data"
    s.cache_dir = folder / "data" / "cache"
    s.database_url = ""
    s.timeout_s = 2.0
    # Tests own their lexicon: an editor's legitimate edit of the shipped one must not fail CI.
    s.lexicon = FIXTURES / "lexicon.toml"
    if feed_url:
        s.feeds = [FeedConfig(name="sample", url=feed_url, title="Beispiel")]
    return s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_in(tmp_path)


@pytest.fixture
def sample_site() -> Iterator[str]:
    with serve_site(SAMPLE_SITE) as base:
        yield base


@pytest.fixture
def sample_settings(settings: Settings, sample_site: str) -> Settings:
    settings.feeds = [FeedConfig(name="sample", url=f"{sample_site}/feed.xml", title="Beispiel")]
    return settings


def small_site(root: Path, keep: tuple[str, ...] = ("russland-iran", "entfernt")) -> Path:
    """The sample site with only some entries (by default the seed article and the missing
    page): quick to voice."""
    shutil.copytree(SAMPLE_SITE, root)
    tree = etree.parse(str(root / "feed.xml"))
    for item in list(tree.iter("item")):
        if not any(k in item.findtext("link") for k in keep):
            item.getparent().remove(item)
    tree.write(str(root / "feed.xml"), xml_declaration=True, encoding="UTF-8")
    return root


@pytest.fixture
def small_sample_settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    with serve_site(small_site(tmp_path / "site")) as base:
        settings.feeds = [FeedConfig(name="sample", url=f"{base}/feed.xml", title="Beispiel")]
        yield settings


Route = Callable[[BaseHTTPRequestHandler], None]


class Routes(dict[str, Route]):
    base: str = ""


@pytest.fixture
def web() -> Iterator[Routes]:
    """A server whose answers each test defines: ``web["/path"] = handler``."""
    routes = Routes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            route = routes.get(self.path.split("?")[0])
            if route is None:
                self.send_error(404)
                return
            route(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    routes.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield routes
    server.shutdown()
    server.server_close()


def reply(body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200) -> Route:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return handler


def slow(seconds: float) -> Route:
    def handler(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        try:
            reply(b"<html><body><p>late</p></body></html>")(h)
        except OSError:
            pass

    return handler


def streamed(total: int, content_type: str = "text/html") -> Route:
    """A body sent in chunks without Content-Length, as a misbehaving server would."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.end_headers()
        chunk = b"<p>" + b"x" * 65536 + b"</p>"
        sent = 0
        try:
            while sent < total:
                h.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the client hung up at its cap, as it should

    return handler

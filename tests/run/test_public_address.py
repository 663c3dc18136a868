"""Addresses follow the server: when public_base_url changes, the next publish (an idle run
does one) writes every file that names it again, the player data of articles the feed no
longer lists included, so the website's players never play from a dead host."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.run import publishing
from pipeline.run.feed import run
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode

OLD = "http://192.0.2.7:8000"
NEW = "https://audio.example.de"


def files_naming(folder: Path, address: str) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and address.encode() in p.read_bytes())


@pytest.fixture
def published(settings, tmp_path):
    settings.public_base_url = OLD
    settings.max_items = 2  # one of the three articles is no longer listed, its player data stays
    store = open_store(settings)
    for n in range(1, 4):
        add_episode(store, settings, n)
    publishing.publish_feed("sample", settings, store)
    return settings, store


def test_a_new_address_reaches_every_file_on_the_next_publish(published):
    settings, store = published
    assert len(files_naming(settings.output_dir, OLD)) == 3 + 3 * 2  # feed, index, OPML, player data by URL, GUID
    settings.public_base_url = NEW
    publishing.publish_feed("sample", settings, store)
    assert files_naming(settings.output_dir, OLD) == []
    assert len(files_naming(settings.output_dir, NEW)) == 3 + 3 * 2


def test_an_idle_run_is_enough(published, web):
    settings, _ = published
    web["/feed.xml"] = lambda h: (h.send_response(304), h.end_headers())
    settings.feeds[0].url = f"{web.base}/feed.xml"
    settings.public_base_url = NEW
    summary = run(settings)
    assert summary.outcomes == [] and summary.failed_polls == []
    assert files_naming(settings.output_dir, OLD) == []

"""Editors fix pronunciations in the lexicon; exactly the articles an edit touches are re-voiced."""

from __future__ import annotations

import pytest

from pipeline.cli.main import main
from pipeline.config import FeedConfig
from pipeline.run import feed
from pipeline.run.article import render_article
from pipeline.run.lexicon import needing_regeneration, save_lexicon
from pipeline.run.sample_site import serve_site
from pipeline.state import lexicon_versions
from pipeline.state.articles import list_articles
from pipeline.state.episodes import latest_episode, published_episodes
from pipeline.state.store import open_store
from tests.conftest import small_site

SEED = "ntv-article24649386"
TRUMP = "ntv-id30134161"


@pytest.fixture
def voiced(settings, tmp_path):
    """Two articles voiced with the tests' lexicon, seeded into the store."""
    with serve_site(small_site(tmp_path / "site", keep=("russland-iran", "trump"))) as base:
        settings.feeds = [FeedConfig(name="sample", url=f"{base}/feed.xml")]
        summary = feed.run(settings)
        assert summary.count("done") == 2
        store = open_store(settings)
        ids = {r.guid: r.id for r in list_articles(store, "sample")}
        yield settings, store, ids


def edit_lexicon(settings, old: str, new: str) -> None:
    store = open_store(settings)
    text = lexicon_versions.current(store).toml
    assert old in text
    save_lexicon(store, text.replace(old, new), author="test", message="edit")


def test_an_edit_lists_exactly_the_articles_whose_text_it_touches(voiced, capsys):
    settings, store, ids = voiced
    edit_lexicon(settings, 'say = "Schojgu"\n', 'say = "Schoj-gu"\n')  # Schoigu is only in the seed
    touched = needing_regeneration(settings, lexicon=True)
    assert [(t.article_id, t.reason) for t in touched] == [(ids[SEED], "lexicon entries Schoigu")]

    assert main(["regenerate", "--lexicon"], settings=settings) == 0
    assert latest_episode(store, ids[SEED]).episode.version == 2
    assert latest_episode(store, ids[TRUMP]).episode.version == 1
    assert needing_regeneration(settings, lexicon=True) == []
    assert "Schoigu" in capsys.readouterr().out
    from pipeline.state import accounts

    (entry,) = [e for e in accounts.audit_entries(store) if e.action == "article.regenerate"]
    assert entry.target == ids[SEED] and entry.actor.startswith("cli:")
    assert entry.before == {"reason": "lexicon entries Schoigu"} and entry.after["version"] == 2


def test_an_edit_that_touches_nothing_makes_no_new_episode(voiced):
    settings, store, ids = voiced
    edit_lexicon(settings, 'say = "Uefa"\n', 'say = "Ue-fa"\n')  # UEFA is in neither article
    assert needing_regeneration(settings, lexicon=True) == []
    for guid in (SEED, TRUMP):
        outcome = render_article(ids[guid], settings)
        assert outcome.status == "unchanged" and outcome.version == 1


def test_fallback_voice_episodes_are_listed_for_regeneration(voiced, capsys):
    settings, store, ids = voiced
    rows = published_episodes(store, "sample")
    assert all(r.voice_is_fallback for r in rows)  # no Thorsten model on a CI machine
    listed = needing_regeneration(settings, fallback_voice=True)
    assert {t.article_id for t in listed} == set(ids.values())
    assert main(["regenerate", "--fallback-voice", "--dry-run"], settings=settings) == 0
    assert "spoken by the fallback voice" in capsys.readouterr().out

"""Article actions in the console: another voice for one article; re-voicing from the stored
text after the source page failed."""

from __future__ import annotations

import time

from pipeline.config import FeedConfig
from pipeline.run.feed import run
from pipeline.run.sample_site import serve_site
from pipeline.state import accounts
from pipeline.state.articles import get_article, list_articles
from pipeline.state.episodes import latest_episode
from pipeline.state.store import open_store
from tests.conftest import small_site
from tests.support.webapp import serve_app
from tests.web.test_console_safety import PASSWORD, csrf_of, login


def wait_version(store, article_id: str, version: int) -> None:
    """Until the render has recorded ``version`` and finished (the episode is recorded a moment
    before the article's status leaves "prepared")."""
    deadline = time.time() + 180

    def rendered() -> bool:
        latest = latest_episode(store, article_id)
        status = get_article(store, article_id).status
        return bool(latest) and latest.episode.version >= version and status != "prepared"

    while not rendered():
        assert time.time() < deadline, "no new version"
        time.sleep(0.3)


def test_another_voice_for_one_article_and_a_regeneration_after_a_failed_fetch(settings, tmp_path):
    with serve_site(small_site(tmp_path / "site", keep=("russland-iran",))) as site:
        settings.feeds = [FeedConfig(name="sample", url=f"{site}/feed.xml")]
        assert run(settings).count("done") == 1
    store = open_store(settings)
    (row,) = list_articles(store, "sample")
    first = latest_episode(store, row.id)
    assert first.voice_is_fallback  # the house voice's model is not on a CI machine
    accounts.add_user(store, "eddi", "editor", PASSWORD)
    with serve_app(settings) as base:
        client = login(base, "eddi")
        page = client.get(f"/console/articles/{row.id}").text
        assert "espeak-ng (Ersatzstimme)" in page
        # every published version's signed provenance, as `newsaudio verify` reads it
        assert "Herkunft (C2PA): gültig, signiert von" in page and "nicht vertrauenswürdig" in page
        csrf = csrf_of(client, f"/console/articles/{row.id}")
        client.post(f"/console/articles/{row.id}/voice", data={"csrf": csrf, "voice": "espeak-de"})
        client.post(f"/console/articles/{row.id}/action", data={"csrf": csrf, "action": "regenerate"})
        wait_version(store, row.id, 2)
        second = latest_episode(store, row.id)
        assert second.episode.voice.startswith("espeak-de+") and not second.voice_is_fallback

        # the site is gone now: a refresh fails, but the stored text can still be voiced again
        client.post(f"/console/articles/{row.id}/action", data={"csrf": csrf, "action": "refetch"})
        deadline = time.time() + 60
        while get_article(store, row.id).status != "failed":
            assert time.time() < deadline
            time.sleep(0.2)
        client.post(f"/console/articles/{row.id}/action", data={"csrf": csrf, "action": "regenerate"})
        wait_version(store, row.id, 3)
        assert get_article(store, row.id).status == "done"
        (settings.audio_dir / latest_episode(store, row.id).episode.file_name).write_bytes(b"ID3" + bytes(500))
        assert "Herkunft (C2PA): nicht signiert" in client.get(f"/console/articles/{row.id}").text
    entries = reversed(accounts.audit_entries(store))
    actions = [(e.actor, e.action) for e in entries if not e.action.startswith("login.")]  # logins are audited too
    assert actions == [("user:eddi", "article.voice"), ("user:eddi", "article.regenerate"),
                       ("user:eddi", "article.refetch"), ("user:eddi", "article.regenerate")]

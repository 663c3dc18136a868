"""An editor's and an admin's day in the console, in real Chromium over real HTTP, in German:
search finds a word of the article text; withdrawing asks for a reason; a lexicon save that
re-voices many articles asks to confirm; an entry the voice cannot speak is refused with its
name; a permanent failure can be ignored (and is not retried); the audit log shows logins and
a lexicon change as entries before and after. Voices are named, not coded."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from pipeline.config import FeedConfig
from pipeline.run.feed import run
from pipeline.run.feed import work_needed as feed_work_needed
from pipeline.run.sample_site import serve_site
from pipeline.state import accounts
from pipeline.state.articles import get_article, list_articles, set_ignored, work_needed
from pipeline.state.job_records import recent_jobs
from pipeline.state.store import open_store
from tests.conftest import small_site
from tests.support.webapp import serve_app
from tests.web.test_console_browser import PASSWORD, browser, log_in  # noqa: F401 - fixture

TEXT_WORD = "zwischenstaatlichen"  # in the seed article's text, not in its title or URL
SEED = "ntv-article24649386"


@pytest.fixture
def newsroom(settings, tmp_path):
    """Two published articles, the sample's missing page failed, an editor and an admin; a
    confirmation from two re-voiced articles on (lexicon_confirm_over = 1)."""
    settings.voice = "espeak-de"  # quick re-voicing; named "espeak-ng German formant voice"
    settings.lexicon_confirm_over = 1
    with serve_site(small_site(tmp_path / "site", keep=("russland-iran", "trump", "entfernt"))) as site:
        settings.feeds = [FeedConfig(name="sample", url=f"{site}/feed.xml", title="Beispiel")]
        summary = run(settings)
        assert summary.count("done") == 2 and [o.reason for o in summary.failed] == ["http-404"]
        store = open_store(settings)
        accounts.add_user(store, "eddi", "editor", PASSWORD)
        accounts.add_user(store, "ada", "admin", PASSWORD)
        with serve_app(settings) as base:
            yield settings, store, base


def wait_jobs_done(store, article_ids: list[str]) -> None:
    import time

    deadline = time.time() + 240
    while any(j.status in ("queued", "running") for a in article_ids for j in recent_jobs(store, a, limit=5)):
        assert time.time() < deadline, "re-voicing did not finish"
        time.sleep(0.5)


def test_an_editors_day_in_german(browser, newsroom):  # noqa: F811
    settings, store, base = newsroom
    rows = {r.guid: r for r in list_articles(store, "sample")}
    seed = rows[SEED]
    other = next(r for r in rows.values() if r.status == "done" and r.guid != SEED)
    missing = next(r for r in rows.values() if r.status == "failed")

    page = browser.new_page()
    # a failed login first: German, and audited with the name tried
    page.goto(f"{base}/console/login")
    page.fill("input[name=name]", "eddi")
    page.fill("input[name=password]", "falsch-falsch-falsch")
    page.click("text=Anmelden >> nth=-1")
    assert page.text_content("p.error") == "Name oder Passwort falsch."
    log_in(page, base, "eddi")

    # the list: statuses and voices in words
    listing = page.text_content("table")
    assert "fertig" in listing and "fehlgeschlagen" in listing and "done" not in listing
    assert "+espeak+" not in listing and "espeak-ng German formant voice" in listing

    # search finds a word of the article text (not in any title or URL)
    page.fill("input[name=q]", TEXT_WORD)
    page.click("text=Filtern")
    assert page.text_content("#found").startswith("1 Treffer")
    assert page.locator("tbody tr").count() == 1
    assert page.locator("tbody a").get_attribute("href") == f"/console/articles/{seed.id}"

    # withdraw asks for a reason, which becomes the message and goes into the audit log
    page.goto(f"{base}/console/articles/{other.id}")
    page.click("text=Zurückziehen …")
    assert page.url == f"{base}/console/articles/{other.id}/withdraw"
    assert get_article(store, other.id).status == "done"
    page.click("#confirm-withdraw")  # no reason: the browser keeps the form (required)
    assert page.url.endswith("/withdraw") and get_article(store, other.id).status == "done"
    page.fill("#reason", "Falsche Zahl im zweiten Absatz")
    page.click("#confirm-withdraw")
    page.wait_for_selector("#withdrawn")
    assert "zurückgezogen: withdrawn – Falsche Zahl im zweiten Absatz" in page.text_content("#status")
    withdrawn = get_article(store, other.id)
    assert (withdrawn.status, withdrawn.message) == ("withdrawn", "Falsche Zahl im zweiten Absatz")
    page.click("text=Wiederherstellen")
    wait_jobs_done(store, [other.id])
    assert get_article(store, other.id).status == "done"

    # an entry the voice cannot speak is refused, naming the entry
    page.goto(f"{base}/console/lexicon")
    page.fill("#match", "Teheran")
    page.select_option("#kind", "phonemes")
    page.fill("input[name=espeak]", "###")
    page.wait_for_selector("#check.error")  # selectors, not wait_for_function: the console's CSP forbids eval
    assert "'Teheran'" in page.text_content("#check") and "espeak-ng" in page.text_content("#check")
    assert page.is_disabled("#save")
    page.fill("input[name=espeak]", "")
    page.wait_for_selector("#check.error:has-text('Lautschrift fehlt')")

    # a save touching more than lexicon_confirm_over (1) articles asks first, with the list
    page.goto(f"{base}/console/lexicon")
    page.fill("#match", "die")
    page.fill("#say", "dii")
    page.wait_for_selector("#affected-warning")
    assert page.text_content("#affected-count") == "2 Artikel betroffen"
    page.fill("input[name=message]", "die lang")
    page.click("#save")
    page.wait_for_selector("#confirm-count")
    assert "2 veröffentlichte Artikel werden" in page.text_content("#confirm-count")
    assert page.locator("#confirm-list li").count() == 2
    assert all(j.kind != "regenerate" or j.status != "queued" for j in recent_jobs(store, seed.id))
    before = len(recent_jobs(store, seed.id, limit=50))
    page.click("#confirm-save")
    page.wait_for_selector("#jobs")
    assert len(recent_jobs(store, seed.id, limit=50)) == before + 1
    page.wait_for_selector("li.job .job-status:text-matches('fertig')", timeout=240000)
    wait_jobs_done(store, [seed.id, other.id])

    # ignore a permanent failure: off the list, never retried by a poll; and back
    now = datetime.now(UTC)
    assert missing.id in work_needed(store, "sample", now, 5)
    page.goto(f"{base}/console/failures")
    row = page.locator(f"tbody tr[data-article='{missing.id}']")
    assert "http-404" in row.first.text_content()
    row.locator("text=Ignorieren").click()
    page.wait_for_selector("#ignored")
    assert page.locator(f"table:not(#ignored) tr[data-article='{missing.id}']").count() == 0
    assert page.locator(f"#ignored tr[data-article='{missing.id}']").count() == 1
    assert missing.id not in work_needed(store, "sample", now, 5)
    assert missing.id not in feed_work_needed(store, "sample", now, settings)
    page.locator(f"#ignored tr[data-article='{missing.id}']").locator("text=Wieder aufnehmen").click()
    page.wait_for_selector(f"table:not(#ignored) tr[data-article='{missing.id}']")
    assert missing.id in work_needed(store, "sample", now, 5)

    # the admin's audit log: logins (failed with the name tried), the lexicon change as entries
    admin = browser.new_page()
    log_in(admin, base, "ada")
    admin.goto(f"{base}/console/admin/audit")
    audit = admin.locator("#audit")
    failed = audit.locator("tr[data-action='login.failed']").first.text_content()
    assert "Anmeldung fehlgeschlagen" in failed and "eddi" in failed
    assert audit.locator("tr[data-action='login.ok']", has_text="user:ada").count() == 1
    saved = audit.locator("tr[data-action='lexicon.save']").first
    assert saved.locator("td.after").text_content() == "die (ersetzen) → dii"
    assert saved.locator("td.before").text_content() == "(kein Eintrag)"
    withdrawal = audit.locator("tr[data-action='article.withdraw']").first.text_content()
    assert "Falsche Zahl im zweiten Absatz" in withdrawal
    whole = admin.content()
    assert "falsch-falsch-falsch" not in whole and PASSWORD not in whole


def test_withdraw_without_reason_and_the_old_one_click_are_refused(newsroom):
    settings, store, base = newsroom
    seed = next(r for r in list_articles(store, "sample") if r.guid == SEED)
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        form = client.get("/console/login")
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        assert client.post("/console/login", data={"csrf": csrf, "name": "eddi", "password": PASSWORD}
                           ).status_code == 303
        page = client.get(f"/console/articles/{seed.id}/withdraw").text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        assert client.post(f"/console/articles/{seed.id}/action", data={"csrf": csrf, "action": "withdraw"}
                           ).status_code == 400
        answer = client.post(f"/console/articles/{seed.id}/withdraw", data={"csrf": csrf, "reason": "   "})
        assert answer.status_code == 200 and "Bitte einen Grund angeben." in answer.text
        assert get_article(store, seed.id).status == "done"
        # the server refuses an invalid phonemes entry too, naming it
        refused = client.post("/console/lexicon/save", data={"csrf": csrf, "match": "Kreml", "kind": "phonemes",
                                                             "espeak": "###"})
        assert refused.status_code == 400 and "'Kreml'" in refused.text
        # and a word typed where the phonemes belong: espeak could read it, but it is not the word
        refused = client.post("/console/lexicon/save", data={"csrf": csrf, "match": "Kreml", "kind": "phonemes",
                                                             "espeak": "nonsense"})
        assert refused.status_code == 400 and "klingt nicht nach 'Kreml'" in refused.text
    assert set_ignored(store, seed.id, True) is False  # only a failure can be ignored

"""The console's tables on SQLite and PostgreSQL: lexicon versions, accounts, audit, options,
webhooks."""

from __future__ import annotations

from pipeline.run.lexicon import save_lexicon
from pipeline.state import accounts, editor_choices, lexicon_versions, webhooks
from tests.state.test_store import store  # noqa: F401 - the fixture: SQLite and PostgreSQL

LEX = '[[entry]]\nmatch = "Schoigu"\nsay = "Schojgu"\n'


def test_lexicon_versions_accounts_and_audit_round_trip(store):  # noqa: F811
    first = save_lexicon(store, LEX, author="setup", message="eins")
    second = save_lexicon(store, LEX.replace("Schojgu", "Schoj-gu"), author="anna", message="zwei")
    save_lexicon(store, LEX + '\n# nur ein Kommentar\n', author="bea", message="drei")
    assert lexicon_versions.current(store).version == first.version != second.version  # a comment is no change
    assert lexicon_versions.by_version(store, second.version).author == "anna"
    assert [v.message for v in lexicon_versions.history(store)] == ["drei", "zwei", "eins"]

    user = accounts.add_user(store, "anna", "editor", "ein-langes-passwort")
    assert accounts.check_password(store, "anna", "ein-langes-passwort") == user
    secret, csrf = accounts.open_session(store, user, hours=1)
    assert accounts.session_for(store, secret).csrf == csrf
    accounts.set_disabled(store, "anna", True)
    assert accounts.session_for(store, secret) is None
    assert accounts.check_password(store, "anna", "ein-langes-passwort") is None
    token = accounts.add_token(store, "cms", ["read"], "anna")
    assert accounts.token_for(store, token).last_used_at is None  # the row as it was before this use
    assert accounts.list_tokens(store)[0].last_used_at is not None
    accounts.audit(store, "user:anna", "lexicon.save", "add X", {"version": "a"}, {"version": "b"})
    (entry,) = accounts.audit_entries(store)
    assert (entry.actor, entry.before, entry.after) == ("user:anna", {"version": "a"}, {"version": "b"})


def test_article_options_and_webhook_rows(store):  # noqa: F811
    options = editor_choices.get(store, "a1")
    options.excluded.add(editor_choices.paragraph_key("Ein Absatz."))
    editor_choices.put(store, "a1", options)
    options.voice = "espeak-de"
    editor_choices.put(store, "a1", options)  # the second put updates
    again = editor_choices.get(store, "a1")
    assert again.voice == "espeak-de" and again.excluded == {editor_choices.paragraph_key(" Ein  Absatz. ")}
    hook = webhooks.add_hook(store, "http://127.0.0.1:9/hook", ["audio.failed"])
    assert webhooks.announce(store, "audio.published", {"url": "u"}) == 0
    assert webhooks.announce(store, "audio.failed", {"url": "u"}) == 1
    (d,) = webhooks.deliveries(store)
    assert (d.webhook_id, d.status, d.attempts) == (hook.id, "pending", 0)

"""The console's pronunciations: the lexicon page, checking and hearing an entry as it is typed,
saving it (asking first when it re-voices many articles), the version history, and restoring an
old version."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from pipeline.config import Settings
from pipeline.run import requests
from pipeline.run.lexicon import current_lexicon, save_lexicon
from pipeline.stages.speech import Lexicon
from pipeline.stages.speech.lexicon import LexiconError, parse_lexicon
from pipeline.state import accounts, lexicon_versions
from pipeline.state.job_records import get_job
from pipeline.state.store import Store
from web import lexicon_edits
from web.console import data, locale
from web.console.auth import console_page
from web.console.pages import render

FIELDS = ("original", "delete", "match", "kind", "say", "espeak", "ipa", "lang", "note")


def _draft(request: Request) -> lexicon_edits.Draft:
    """The draft the entry form describes; LexiconError when it would not be valid."""
    form = request.state.form
    fields: dict[str, Any] = {k: form.get(k, "") for k in FIELDS}
    fields |= {"case_sensitive": "case_sensitive" in form, "whole_word": "whole_word" in form}
    return lexicon_edits.draft(request.app.state.settings, request.app.state.store, fields)


@console_page
def lexicon_page(request: Request) -> Response:
    store: Store = request.app.state.store
    current = current_lexicon(request.app.state.settings, store)
    latest = lexicon_versions.current(store)
    saved_jobs = [j for j in (get_job(store, i) for i in request.query_params.getlist("job")) if j]
    return render(request, "lexicon.html", entries=current.entries, latest=latest, saved_jobs=saved_jobs,
                  edit=request.query_params.get("edit", ""))


@console_page
def lexicon_check(request: Request) -> Response:
    """As an entry is typed: is it valid, and which published articles would it touch?"""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    try:
        d = _draft(request)
    except LexiconError as exc:
        return JSONResponse({"ok": False, "error": locale.said(request, exc)})
    hits = lexicon_edits.affected_by(settings, store, d.current, d.lexicon)
    changed = Lexicon(d.lexicon.changed_entries(d.current))
    return JSONResponse({"ok": True, "affected": [h.__dict__ for h in hits],
                         "confirm_over": settings.lexicon_confirm_over,
                         "sentences": data.sentences_with(store, changed)})


@console_page
def lexicon_preview(request: Request) -> Response:
    """The sentence spoken with the draft entry: audio and the spoken text, nothing saved."""
    settings: Settings = request.app.state.settings
    sentence = request.state.form.get("sentence", "").strip()
    if not sentence:
        _ = locale.for_request(request)
        return JSONResponse({"ok": False, "error": _("Einen Satz tippen oder auswählen, um ihn zu hören.")})
    try:
        d = _draft(request)
        from pipeline.run.article import say  # speech, voice and mastering: only for a preview

        mastered, voice = say(sentence[:2000], settings, lexicon=d.lexicon)
    except (LexiconError, ValueError) as exc:
        return JSONResponse({"ok": False, "error": locale.said(request, exc)})
    return JSONResponse({
        "ok": True,
        "spoken": " ".join(data.spoken_form(sentence, d.lexicon, settings)),
        "before": " ".join(data.spoken_form(sentence, d.current, settings)),
        "audio": "data:audio/mpeg;base64," + base64.b64encode(mastered.mp3).decode("ascii"),
        "voice": voice.identity,
    })


@console_page
def lexicon_save(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    try:
        d = _draft(request)
    except LexiconError as exc:
        _ = locale.for_request(request)
        return PlainTextResponse(_("Nicht gespeichert: {error}", error=locale.said(request, exc)), status_code=400)
    form = request.state.form
    if form.get("confirmed") != "1" and not form.get("delete"):
        hits = lexicon_edits.affected_by(settings, request.app.state.store, d.current, d.lexicon)
        if len(hits) > settings.lexicon_confirm_over:
            # An entry for a common word re-voices the whole archive: the editor sees how much
            # and says so explicitly; the form comes back with every field and confirmed=1.
            fields = [(k, form.get(k, "")) for k in (*FIELDS, "message") if form.get(k)]
            fields += [(k, "1") for k in ("case_sensitive", "whole_word") if k in form]
            return render(request, "lexicon_confirm.html", hits=hits, fields=fields, what=d.what)
    saved = lexicon_edits.save_draft(
        request.app.state.settings, request.app.state.store, d, dispatch=request.app.state.dispatch,
        author=request.state.session.user.name, actor=request.state.actor,
        message=request.state.form.get("message", ""),
    )
    query = urlencode([("saved", str(saved.version.id)), *(("job", j.id) for j in saved.jobs)])
    return RedirectResponse(f"/console/lexicon?{query}", status_code=303)


@console_page
def lexicon_history(request: Request) -> Response:
    return render(request, "history.html", versions=lexicon_versions.history(request.app.state.store))


@console_page
def lexicon_restore(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    chosen = lexicon_versions.by_id(store, int(request.state.form.get("version_id", "0") or 0))
    if chosen is None:
        return PlainTextResponse(locale.for_request(request)("Diese Version gibt es nicht."), status_code=404)
    current = current_lexicon(settings, store)
    user = request.state.session.user.name
    saved = save_lexicon(store, chosen.toml, author=user, message=f"Version {chosen.id} wiederhergestellt")
    restored = parse_lexicon(chosen.toml)
    before, after = lexicon_edits.entry_changes(current, restored)
    accounts.audit(store, request.state.actor, "lexicon.restore", f"Version {chosen.id}",
                   {"entries": before, "version": current.version},
                   {"entries": after, "version": saved.version, "id": saved.id})
    hits = lexicon_edits.affected_by(settings, store, current, restored)
    queued = [requests.submit(settings, "regenerate", h.article_id, request.state.actor, store,
                              dispatch=request.app.state.dispatch) for h in hits]
    query = urlencode([("saved", str(saved.id)), *(("job", j.id) for j in queued)])
    return RedirectResponse(f"/console/lexicon?{query}", status_code=303)

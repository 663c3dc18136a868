"""How console pages are rendered: the Jinja2 templates (autoescaped), the redirect after a form,
and the words the console shows for the store's codes (statuses, kinds, voices, audit entries),
in German, and through web/console/locale.py in English: one language on every page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from pipeline.config import Settings
from pipeline.stages.speech.languages import LANGUAGES as SPEECH_LANGUAGES
from web.console import locale

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# The store's codes as the console names them.
ARTICLE_STATUS = {
    "new": "neu", "prepared": "vorbereitet", "done": "fertig", "skipped": "übersprungen",
    "failed": "fehlgeschlagen", "withdrawn": "zurückgezogen",
}
JOB_STATUS = {"queued": "wartet", "running": "läuft", "done": "fertig", "failed": "fehlgeschlagen"}
JOB_KIND = {
    "process": "verarbeiten", "refetch": "neu von der Quelle holen", "regenerate": "neu vertonen",
    "withdraw": "zurückziehen", "restore": "wiederherstellen",
}
ENTRY_KIND = {"substitute": "ersetzen", "spell": "buchstabieren", "word": "als Wort lesen", "phonemes": "Lautschrift",
              "language": "in einer Sprache"}
AUDIT_ACTION = {
    "login.ok": "Anmeldung", "login.failed": "Anmeldung fehlgeschlagen", "user.setup": "Passwort gesetzt",
    "user.add": "Benutzer angelegt", "user.disable": "Benutzer gesperrt", "user.enable": "Benutzer entsperrt",
    "token.add": "Token angelegt", "token.revoke": "Token widerrufen", "webhook.add": "Webhook angelegt",
    "webhook.active": "Webhook ein/aus", "lexicon.save": "Aussprache gespeichert",
    "lexicon.restore": "Aussprache wiederhergestellt", "article.regenerate": "Artikel neu vertont",
    "article.refetch": "Artikel neu geholt", "article.withdraw": "Artikel zurückgezogen",
    "article.restore": "Artikel wiederhergestellt", "article.voice": "Stimme gewählt",
    "article.paragraph": "Absatz weggelassen/aufgenommen", "article.retry": "erneut versucht",
    "article.ignore": "Fehler ignoriert", "article.unignore": "Fehler nicht mehr ignoriert",
}
FALLBACK_VOICE = "espeak-ng (Ersatzstimme)"


def http_only(url: str) -> str:
    """A feed's URL as a link target only when it is http(s): escaping alone lets
    ``javascript:`` through."""
    return url if url.lower().startswith(("http://", "https://")) else "#"


def _entry_line(entry: object, _: locale.Translate) -> str:
    """One lexicon entry of an audit record as a line: ``Kreml (ersetzen) → Kremmel``."""
    if not isinstance(entry, dict):
        return json.dumps(entry, ensure_ascii=False)
    spoken = entry.get("say") or " ".join(str(entry.get(k) or "") for k in ("espeak", "ipa")).strip()
    kind = _(ENTRY_KIND.get(str(entry.get("kind", "")), str(entry.get("kind", ""))))
    return f"{entry.get('match', '')} ({kind}) → {spoken}" if spoken else f"{entry.get('match', '')} ({kind})"


def audit_lines(value: object, _: locale.Translate = locale.GERMAN) -> list[str]:
    """What an audit record's before or after shows: lexicon entries one a line (not version
    hashes), other values as key: value, nothing for none."""
    if value is None:
        return []
    if isinstance(value, dict):
        if "entries" in value:
            return [_entry_line(e, _) for e in value["entries"]] or [_("(kein Eintrag)")]
        return [f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}" for k, v in value.items()]
    return [value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)]


def voice_titles(settings: Settings) -> dict[str, str]:
    """Profile name -> its title (the profile's description) for every voice profile."""
    from voices.profile import load_profiles

    try:
        return {name: p.description or name for name, p in load_profiles(settings).items()}
    except Exception:  # a broken profile file must not take the console down: names are shown
        return {}


def voice_label(titles: dict[str, str], identity: str, fallback: bool = False,
                _: locale.Translate = locale.GERMAN) -> str:
    """An episode's voice in words: the profile's title, or the fallback marked as such, not
    ``default+espeak+511f674f9807``."""
    if fallback:
        return _(FALLBACK_VOICE)
    name = identity.split("+", 1)[0]
    return titles.get(name, name)


def make_templates() -> Jinja2Templates:
    """The console's templates, one set per app (web.app puts it on ``app.state.templates``)."""
    templates = Jinja2Templates(directory=str(TEMPLATES))  # autoescape on for .html
    env = templates.env
    env.filters["http_only"] = http_only
    for name, table in (("article_status", ARTICLE_STATUS), ("job_status", JOB_STATUS), ("job_kind", JOB_KIND),
                        ("entry_kind", ENTRY_KIND), ("audit_action", AUDIT_ACTION)):
        env.filters[name] = _in_words(table)
    env.filters["audit_lines"] = pass_context(lambda ctx, value: audit_lines(value, ctx["_"]))
    env.globals["ENTRY_KIND"] = ENTRY_KIND
    env.globals["LANGUAGES"] = locale.LANGUAGES
    env.globals["SPEECH_LANGUAGES"] = SPEECH_LANGUAGES
    return templates


def _in_words(table: dict[str, str]) -> object:
    """A filter naming a store's code in the page's language."""

    @pass_context
    def name(ctx: Context, code: str) -> str:
        return ctx["_"](table.get(code, code))

    return name


def localized(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    """``context`` with what a page needs to speak the console's language: ``_``, ``counted``,
    the language and the job states in words."""
    lang = locale.language(request)
    _ = locale.translator(lang)
    context.update(lang=lang, _=_, counted=lambda count, noun: locale.counted(lang, count, noun),
                   JOB_LABELS={code: _(words) for code, words in JOB_STATUS.items()})
    return context


def render(request: Request, name: str, **context: Any) -> Response:
    """A page of a logged-in user, with the user and the session's CSRF token in its context."""
    session = getattr(request.state, "session", None)
    context.update(user=session.user if session else None, csrf=session.csrf if session else "")
    localized(request, context)
    _ = context["_"]
    settings: Settings | None = getattr(request.app.state, "settings", None)
    if settings is not None and "voice_label" not in context:
        titles = voice_titles(settings)
        context["voice_title"] = lambda name: titles.get(name, name)
        context["voice_label"] = lambda identity, fallback=False: voice_label(titles, identity, fallback, _)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, f"console/{name}", context)


def back(path: str, **query: str) -> RedirectResponse:
    """See other: the page to show after a form was handled."""
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)

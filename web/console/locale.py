"""The console's languages: German first (the newsroom's), English second, as the player.

Templates and handlers write German and call ``_("…")``; this table gives the English. A
listener's choice is a cookie set by the header's language links; ``console_language`` is the
default. Messages the pipeline raises (a lexicon entry refused, an account rule) are matched
by pattern and said in the console's language, so an editor never reads two languages on a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request

LANGUAGES = {"de": "Deutsch", "en": "English"}
COOKIE = "newsaudio_lang"

Translate = Callable[..., str]

EN: dict[str, str] = {
    # base, navigation
    "newsaudio-Konsole": "newsaudio console", "Artikel": "Articles", "Aussprache": "Pronunciation",
    "Fehler": "Failures", "Reichweite": "Reach", "Benutzer": "Users", "Tokens": "Tokens", "Webhooks": "Webhooks",
    "Protokoll": "Audit log", "Abmelden": "Log out",
    # articles
    "{hits} für „{query}“": "{hits} for “{query}”", "Feed": "Feed", "alle": "all", "Status": "Status",
    "Ersatzstimme": "Fallback voice", "Suche": "Search", "Titel, URL oder Text": "Title, URL or text",
    "Filtern": "Filter", "Titel": "Title", "Version": "Version", "Stimme": "Voice", "Aktualisiert": "Updated",
    "Hörer": "Listeners", "{plays}, {share} % bis zum Ende": "{plays}, {share} % to the end",
    "Keine Artikel.": "No articles.",
    # article
    "Zurückgezogen.": "Withdrawn.", "Quelle": "Source", "Jetzt neu vertonen": "Voice again now",
    "Neu von der Quelle holen": "Fetch again from the source", "Wiederherstellen": "Restore",
    "Zurückziehen …": "Withdraw …", "Standard": "Default", "Stimme wählen": "Choose voice", "Aufträge": "Jobs",
    "Folgen": "Episodes", "Noch keine.": "None yet.", "Text und was die Stimme sagt": "Text and what the voice says",
    "Text": "Text", "Gesprochen": "Spoken", "Wieder aufnehmen": "Put back", "Weglassen": "Leave out",
    # audit
    "Protokoll aller Änderungen": "Log of every change", "Zeit": "Time", "Wer": "Who", "Was": "What",
    "Woran": "On", "Vorher": "Before", "Nachher": "After", "(kein Eintrag)": "(no entry)",
    # failures
    "Fehlgeschlagen": "Failed",
    "Ignoriert: der Artikel steht unten und wird nicht mehr versucht.":
        "Ignored: the article is listed below and is not tried again.",
    "{articles} erneut angestoßen.": "{articles} queued again.", "Alle erneut versuchen": "Retry all",
    "Grund": "Reason", "Wann": "When", "Versuche": "Attempts", "Erneut versuchen": "Retry",
    "Ignorieren": "Ignore", "Nichts fehlgeschlagen.": "Nothing failed.", "Ignoriert": "Ignored",
    "Diese Fehler werden nicht mehr versucht (auch nicht beim Abruf der Feeds), bis sie wieder aufgenommen "
    "werden.": "These failures are not tried again (not even by feed polls) until they are put back.",
    "Ignoriert seit": "Ignored since",
    # lexicon history and confirmation
    "Lexikon-Verlauf": "Lexicon history", "Verlauf des Aussprache-Lexikons": "History of the pronunciation lexicon",
    "Nr.": "No.", "Von": "By", "Nachricht": "Message", "Einträge": "Entries",
    "Speichern bestätigen": "Confirm saving", "Wirklich speichern?": "Save for real?",
    "{articles} neu vertont ({what}).": "{articles} voiced again ({what}).",
    "Ja, speichern und alle {n} neu vertonen": "Yes, save and voice all {n} again", "Abbrechen": "Cancel",
    # login and setup
    "Anmelden": "Log in", "Name": "Name", "Passwort": "Password", "Passwort setzen": "Set password",
    "Passwort für {name} setzen": "Set the password for {name}",
    "Passwort (mind. 10 Zeichen)": "Password (at least 10 characters)", "Noch einmal": "Again",
    "Speichern": "Save",
    # tokens, users, webhooks
    "API-Tokens": "API tokens", "Neues Token, nur jetzt sichtbar:": "New token, visible only now:",
    "Rechte": "Scopes", "Zuletzt benutzt": "Last used", "widerrufen": "revoked", "Widerrufen": "Revoke",
    "Neu": "New", "Anlegen": "Create",
    "Einmaliger Link zum Setzen des Passworts (48 h):": "One-time link to set the password (48 h):",
    "Rolle": "Role", "gesperrt": "disabled", "Entsperren": "Enable", "Sperren": "Disable",
    "Anlegen (Link zum Passwort)": "Create (link to set the password)", "Ereignisse": "Events",
    "Geheimnis": "Secret", "zeigen": "show", "Abschalten": "Turn off", "Einschalten": "Turn on",
    "Geheimnis (leer: zufällig)": "Secret (empty: random)", "Zustellungen": "Deliveries", "Ereignis": "Event",
    "Antwort": "Answer",
    # withdraw
    "Zurückziehen": "Withdraw", "Artikel zurückziehen?": "Withdraw the article?",
    "Die Folge verschwindet aus dem Feed und dem Player; ihre Dateien antworten „410 Gone“. Mit "
    "„Wiederherstellen“ kommt sie zurück. Der Grund steht beim Artikel und im Protokoll.":
        "The episode leaves the feed and the player; its files answer “410 Gone”. “Restore” brings it "
        "back. The reason is shown with the article and in the audit log.",
    "Grund (Pflicht)": "Reason (required)", "Endgültig zurückziehen": "Withdraw now",
    # lexicon page
    "Aussprache-Lexikon": "Pronunciation lexicon", "Verlauf": "History", "Gespeichert.": "Saved.",
    "Neu vertont werden:": "Voiced again:",
    "Kein veröffentlichter Artikel betroffen.": "No published article affected.",
    "Eintrag bearbeiten": "Edit entry", "Neuer Eintrag": "New entry", "Wort oder Wendung": "Word or phrase",
    "Art": "Kind", "Gesprochen als": "Spoken as", "Sprache": "Language", "Groß/klein beachten": "Match case",
    "nur ganze Wörter": "Whole words only", "Notiz": "Note", "Probesatz": "Test sentence",
    "Einen Satz tippen, der das Wort enthält": "Type a sentence with the word in it", "Anhören": "Listen",
    "bisher": "so far", "Was und warum": "What and why", "Löschen": "Delete", "Wort": "Word",
    "Lautschrift": "Phonemes", "Optionen": "Options", "Groß/klein egal": "Any case",
    "auch in Wörtern": "Also inside words", "bearbeiten": "edit", "Artikel betroffen": "articles affected",
    "Das sind mehr als {n}: Speichern fragt noch einmal nach.": "That is more than {n}: saving asks once more.",
    "Eintrag ist gültig.": "The entry is valid.",
    # the languages a lexicon entry may name (pipeline/stages/speech/languages.py)
    "Deutsch": "German", "Englisch": "English", "Englisch (britisch)": "English (British)",
    "Französisch": "French", "Spanisch": "Spanish", "Italienisch": "Italian", "Portugiesisch": "Portuguese",
    "Niederländisch": "Dutch", "Polnisch": "Polish", "Tschechisch": "Czech", "Slowakisch": "Slovak",
    "Slowenisch": "Slovenian", "Kroatisch": "Croatian", "Serbisch": "Serbian", "Bosnisch": "Bosnian",
    "Ungarisch": "Hungarian", "Rumänisch": "Romanian", "Türkisch": "Turkish", "Schwedisch": "Swedish",
    "Dänisch": "Danish", "Norwegisch": "Norwegian", "Finnisch": "Finnish",
    # reach
    "Reichweite: Downloads und Wiedergaben": "Reach: downloads and plays", "Zeitraum": "Period",
    "Zeigen": "Show",
    "Downloads aus Podcast-Apps, gezählt nach IAB 2.2 (mindestens eine Minute Audio je Hörer und Tag, ohne "
    "Bots), neben den Wiedergaben im Player der Website. Keine Zahl beweist, dass jemand zugehört hat.":
        "Downloads from podcast apps, counted by IAB 2.2 (at least one minute of audio per listener and day, "
        "bots removed), beside the plays in the website's player. No number proves that anyone listened.",
    "App": "App", "Downloads": "Downloads", "Keine Downloads in diesem Zeitraum.": "No downloads in this period.",
    "nach App": "by app", "Wiedergaben (Website)": "Plays (website)", "bis zum Ende": "to the end",
    "nach Tag": "by day", "Noch keine veröffentlichten Folgen.": "No published episodes yet.",
    # the store's codes in words (web/console/pages.py)
    "neu": "new", "vorbereitet": "prepared", "fertig": "done", "übersprungen": "skipped",
    "fehlgeschlagen": "failed", "zurückgezogen": "withdrawn", "wartet": "queued", "läuft": "running",
    "verarbeiten": "process", "neu von der Quelle holen": "fetch again", "neu vertonen": "voice again",
    "zurückziehen": "withdraw", "wiederherstellen": "restore", "ersetzen": "substitute",
    "buchstabieren": "spell", "als Wort lesen": "read as a word", "in einer Sprache": "in a language",
    "Anmeldung": "Login", "Anmeldung fehlgeschlagen": "Login failed", "Passwort gesetzt": "Password set",
    "Benutzer angelegt": "User created", "Benutzer gesperrt": "User disabled", "Benutzer entsperrt": "User enabled",
    "Token angelegt": "Token created", "Token widerrufen": "Token revoked", "Webhook angelegt": "Webhook created",
    "Webhook ein/aus": "Webhook on/off", "Aussprache gespeichert": "Pronunciation saved",
    "Aussprache wiederhergestellt": "Pronunciation restored", "Artikel neu vertont": "Article voiced again",
    "Artikel neu geholt": "Article fetched again", "Artikel zurückgezogen": "Article withdrawn",
    "Artikel wiederhergestellt": "Article restored", "Stimme gewählt": "Voice chosen",
    "Absatz weggelassen/aufgenommen": "Paragraph left out/put back", "erneut versucht": "retried",
    "Fehler ignoriert": "Failure ignored", "Fehler nicht mehr ignoriert": "Failure put back",
    "espeak-ng (Ersatzstimme)": "espeak-ng (fallback voice)",
    # handlers' messages
    "Nicht möglich: {error}": "Not possible: {error}", "Diesen Artikel gibt es nicht.": "There is no such article.",
    "vertrauenswürdig": "trusted", "Signatur nicht vertrauenswürdig": "signature not trusted",
    "lokale Test-Signatur, nicht vertrauenswürdig": "local test signature, not trusted",
    "Herkunft (C2PA): gültig, signiert von {signer} ({trust})":
        "Provenance (C2PA): valid, signed by {signer} ({trust})",
    "Herkunft (C2PA): VERÄNDERT seit der Signatur": "Provenance (C2PA): CHANGED since it was signed",
    "Herkunft (C2PA): nicht signiert": "Provenance (C2PA): not signed",
    "Herkunft (C2PA): ungültig": "Provenance (C2PA): invalid", "Unbekannte Aktion.": "Unknown action.",
    "Diesen Auftrag gibt es nicht.": "There is no such job.",
    "Der Artikel ist schon zurückgezogen.": "The article is withdrawn already.",
    "Bitte einen Grund angeben.": "Please give a reason.", "Nicht zurückgezogen: {error}": "Not withdrawn: {error}",
    "Diesen fehlgeschlagenen Artikel gibt es nicht.": "There is no such failed article.",
    "Einen Satz tippen oder auswählen, um ihn zu hören.": "Type or pick a sentence to hear it.",
    "Nicht gespeichert: {error}": "Not saved: {error}", "Diese Version gibt es nicht.": "There is no such version.",
    "CSRF-Token fehlt oder ist falsch: Seite bitte neu laden":
        "The CSRF token is missing or wrong: please reload the page",
    "Zu viele Anmeldeversuche: bitte eine Minute warten": "Too many login attempts: please wait a minute",
    "Name oder Passwort falsch.": "Wrong name or password.",
    "Dieser Link gilt nicht (schon benutzt oder abgelaufen).": "This link is not valid (used or expired).",
    "Die beiden Passwörter sind verschieden.": "The two passwords differ.",
    "Anmeldung nötig": "Login required", "Nur für Administratoren": "Admins only",
}

# Nouns counted on pages: (German one, German many), (English one, English many).
NOUNS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "Treffer": (("Treffer", "Treffer"), ("match", "matches")),
    "Wiedergabe": (("Wiedergabe", "Wiedergaben"), ("play", "plays")),
    "Artikel": (("Artikel", "Artikel"), ("article", "articles")),
    "veröffentlichter Artikel wird": (("veröffentlichter Artikel wird", "veröffentlichte Artikel werden"),
                                      ("published article is", "published articles are")),
    "Tag": (("Tag", "Tage"), ("day", "days")),
}

# Messages raised below the console (the lexicon's rules, the voice check, accounts), by
# pattern: German, English. The named groups fill both.
_Q = r"(?P<m>'.*?'|\".*?\")"
MESSAGES: list[tuple[re.Pattern[str], str, str]] = [(re.compile(p), de, en) for p, de, en in [
    (rf"^{_Q}: a substitute entry needs 'say'$", "Eintrag {m}: „Gesprochen als“ fehlt",
     "Entry {m}: 'spoken as' is missing"),
    (rf"^{_Q}: unknown type '(?P<k>[^']*)'.*$", "Eintrag {m}: unbekannte Art '{k}'", "Entry {m}: unknown kind '{k}'"),
    (rf"^{_Q}: a language entry needs 'lang'.*$", "Eintrag {m}: bitte eine Sprache wählen",
     "Entry {m}: please choose a language"),
    (rf"^{_Q}: 'lang' belongs to a language entry.*$",
     "Eintrag {m}: eine Sprache gehört nur zur Art „in einer Sprache“",
     "Entry {m}: a language belongs only to the kind 'in a language'"),
    (rf"^{_Q}: unknown language (?P<l>'[^']*').*$", "Eintrag {m}: unbekannte Sprache {l}",
     "Entry {m}: unknown language {l}"),
    (r"^an entry needs a non-empty 'match'$", "Ein Eintrag braucht ein Wort", "An entry needs a word"),
    (rf"^{_Q}: no such entry$", "Den Eintrag {m} gibt es nicht", "There is no entry {m}"),
    (r"^choose an entry to delete$", "Bitte einen Eintrag zum Löschen wählen", "Please choose an entry to delete"),
    (rf"^{_Q}: there is an entry for it already; edit that one$",
     "Für {m} gibt es schon einen Eintrag: bitte den bearbeiten", "There is an entry for {m} already: edit that one"),
    (rf"^Eintrag {_Q}: Lautschrift fehlt.*$", "Eintrag {m}: Lautschrift fehlt (espeak oder IPA angeben)",
     "Entry {m}: phonemes are missing (give espeak or IPA)"),
    (rf"^Eintrag {_Q}: die IPA-Lautschrift enthält Zeichen, die kein IPA sind: (?P<x>.*)$",
     "Eintrag {m}: die IPA-Lautschrift enthält Zeichen, die kein IPA sind: {x}",
     "Entry {m}: the IPA contains characters that are not IPA: {x}"),
    (rf"^Eintrag {_Q}: espeak-ng kann die Lautschrift (?P<p>.*) nicht lesen.*$",
     "Eintrag {m}: espeak-ng kann die Lautschrift {p} nicht lesen (keine bekannten Laute)",
     "Entry {m}: espeak-ng cannot read the phonemes {p} (no sounds it knows)"),
    (rf"^Eintrag {_Q}: espeak-ng liest (?P<p>.*) als (?P<r>.*); unbekannte Laute.*$",
     "Eintrag {m}: espeak-ng liest {p} als {r}; unbekannte Laute bitte in espeak-Schreibweise angeben",
     "Entry {m}: espeak-ng reads {p} as {r}; give unknown sounds in espeak notation"),
    (rf"^Eintrag {_Q}: die Lautschrift (?P<p>.*) klingt nicht nach (?P<h>'.*?'|\".*?\") .*$",
     "Eintrag {m}: die Lautschrift {p} klingt nicht nach {h} (kaum ein Laut gemeinsam). Ist das Lautschrift in "
     "espeak-Schreibweise (z. B. kre:m@l)? Klingt das Wort wirklich ganz anders, als es geschrieben wird, im Feld "
     "'Gesprochen als' angeben, wie es klingt.",
     "Entry {m}: the phonemes {p} do not sound like {h} (hardly a sound in common). Are they phonemes in espeak "
     "notation (e.g. kre:m@l)? If the word really sounds nothing like its spelling, say how it sounds in "
     "'Spoken as'."),
    (r"^lexicon is not valid TOML: (?P<x>.*)$", "Das Lexikon ist kein gültiges TOML: {x}",
     "The lexicon is not valid TOML: {x}"),
    (r"^a password needs at least 10 characters$", "Ein Passwort braucht mindestens 10 Zeichen.",
     "A password needs at least 10 characters."),
    (r"^a user name needs 1 to 100 characters$", "Ein Name braucht 1 bis 100 Zeichen.",
     "A name needs 1 to 100 characters."),
    (r"^user (?P<m>'.*') exists already$", "Den Benutzer {m} gibt es schon.", "The user {m} exists already."),
    (r"^role must be one of .*$", "Unbekannte Rolle.", "Unknown role."),
    (r"^this setup link is not valid.*$", "Dieser Link gilt nicht (schon benutzt oder abgelaufen).",
     "This link is not valid (used or expired)."),
    (r"^scopes must be .*$", "Unbekannte Rechte.", "Unknown scopes."),
    (r"^article \S+ is withdrawn already.*$", "Der Artikel ist schon zurückgezogen.",
     "The article is withdrawn already."),
]]


def language(request: Request) -> str:
    """The console's language for this request: the listener's choice, else the setting."""
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    settings = getattr(request.app.state, "settings", None)
    default = getattr(settings, "console_language", "de")
    return default if default in LANGUAGES else "de"


def translator(lang: str) -> Translate:
    """``_("Text {n}", n=3)``: the text in ``lang`` (German as written), filled when given values."""
    table = EN if lang == "en" else {}

    def _(text: str, **values: object) -> str:
        said = table.get(text, text)
        return said.format(**values) if values else said

    return _


GERMAN = translator("de")


def for_request(request: Request) -> Translate:
    return translator(language(request))


def counted(lang: str, count: int, noun: str) -> str:
    """``3 Artikel`` / ``3 articles``, ``1 Wiedergabe`` / ``1 play``."""
    forms = NOUNS.get(noun)
    if forms is None:
        return f"{count} {noun}"
    one, many = forms[1] if lang == "en" else forms[0]
    return f"{count} {one if count == 1 else many}"


def said(request: Request, problem: BaseException | str) -> str:
    """What went wrong below the console (an exception or its text), in this request's language."""
    return message(str(problem), language(request))


def message(text: str, lang: str) -> str:
    """A message raised below the console, in the console's language (as it is when unknown)."""
    for pattern, de, en in MESSAGES:
        found = pattern.match(text)
        if found:
            return (en if lang == "en" else de).format(**found.groupdict())
    return text

"""A filter for the boilerplate lines German news pages leak into the body.

Each family is a list of patterns on one whole block. Most only apply to short blocks: a real
paragraph may well quote "Quelle:" or mention a newsletter, a 40-character box label does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.models import Block

from .dom import squash

SHORT = 160  # characters; longer blocks are prose and only the strict families touch them


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


# Family name -> patterns matched against a short block with re.search.
FAMILIES: dict[str, tuple[re.Pattern[str], ...]] = {
    "credit": _rx(
        r"^\(?(foto|fotos|bild|bilder|grafik|illustration|symbolbild|video|copyright)\s*:",
        r"\((foto|fotos|bild|grafik|symbolbild|quelle)\s*:[^)]*\)\s*$",
        r"^(foto|bild)\s*(©|\(c\))",
        r"\bcopyright\s*:",
        r"^(imago|dpa|afp|reuters|getty images|keystone|apa|epa|ap|picture alliance)( images)?(\s*/\s*[\w .-]+)*$",
        # "Michael Kappeler/dpa", "Jane Doe / AFP": a photographer and an agency.
        r"^[A-ZÄÖÜ][\w.'-]+( [A-ZÄÖÜ][\w.'-]+){0,3}\s*/\s*(dpa|afp|ap|reuters|imago|getty images|keystone|epa|"
        r"apa|picture alliance|ddp|sda)\b.{0,40}$",
        r"^(beitragsbild|titelbild|symbolbild|archivbild|vorschaubild|bildergalerie)\b.{0,80}$",
    ),
    "copyright": _rx(r"^\s*(©|\(c\))\s*\S", r"dpa-infocom", r"^alle rechte vorbehalten"),
    "dateline": _rx(
        r"^stand\s*:\s",
        r"^(aktualisiert|veröffentlicht|erstellt|zuletzt aktualisiert)( am)?\s*:?\s*\d",
        r"^\d{1,2}\.\s?(\d{1,2}\.|[a-zä]+)\s?\d{2,4},?\s*(um\s*)?(\d{1,2}[:.]\d{2}\s*(uhr)?)?$",
        r"^(von|by)\s+[A-ZÄÖÜ][\w.'-]+(\s+[A-ZÄÖÜ][\w.'-]+){0,3}"
        r"(\s*(,|und|&)\s*[A-ZÄÖÜ][\w.'-]+(\s+[A-ZÄÖÜ][\w.'-]+){0,3})*\s*(,\s*[\w ]+)?$",
        r"^\d+\s*min(\.|uten)?\s*(lesezeit|lesen)?$",
        r"^(lesezeit|lesedauer)\s*:?\s*\d",
        r"^\d{1,2}:\d{2}(\s*/\s*\d{1,2}:\d{2})?$",
        r"^(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag),?\s+\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}"
        r"(,?\s*\d{1,2}[:.]\d{2}(\s*uhr)?)?$",
        r"^\d{1,2}:\d{2}\s*min\.?",
        # "Di, 10:19 Uhr", "Mittwoch, 08:45 Uhr", "Heute, 9.30 Uhr", "Fr., 28.11.2025, 10:19"
        r"^(mo|di|mi|do|fr|sa|so|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|heute|gestern)\.?,?\s*"
        r"(\d{1,2}\.\s?(\d{1,2}\.|[a-zä]+\.?)\s?(\d{2,4})?,?\s*(um\s*)?)?\d{1,2}[:.]\d{2}\s*(uhr)?$",
        r"^vor \d{1,2} (minuten?|stunden?|tagen?)$",
        r"verfügbar bis \d",
    ),
    "source": _rx(
        r"^quelle\s*:\s*\S.{0,80}$",
        r"^(mit material von|mit agenturmaterial)",
        r"^(mit|quelle:?|text:?)\s+(dpa|afp|ap|reuters|kna|epd|sid|apa|sda|ddp)(\s*(/|,|und)\s*\w+)*\.?$",
        r"^[A-ZÄÖÜ]{2,8}\s*\([a-zäöü]{2,6}(/[a-zäöü]{2,6})*\)$",
        # Author initials alone ("(dmk)"), or a broadcaster with its authors ("MDR (A. B, C D)").
        r"^\([a-zäöü]{2,5}(/[a-zäöü]{2,5})*\)$",
        r"^[A-ZÄÖÜ]{2,8}\s*\([A-ZÄÖÜ][\w.-]+ [\w.-]+(,\s*[A-ZÄÖÜ][\w.-]+ [\w.-]+)*\)$",
        r"^sendung\s*:\s*\S",
        r"^quellen?\s*:?$",
        r"^eigene recherchen?$",
        r"^[\w.-]+\.(com|de|org|net|ch|at|co\.uk|fr)\s*:\s*.+\((englisch|französisch|spanisch)\)$",
        # The same source list when the linked title went its own way: only "nytimes.com:" is left.
        r"^[\w.-]+\.(com|de|org|net|ch|at|co\.uk|fr)\s*:$",
        r"^(redaktion|mitarbeit|recherche|faktencheck|grafik|schlussredaktion|übersetzung|audioversion)"
        r"\s*:\s*[A-ZÄÖÜ]",
    ),
    "newsletter": _rx(
        r"newsletter",
        r"ein klick für den datenschutz",
        r"externe[rn]? inhalte?",
        r"datenschutzerklärung",
        r"einwilligung",
        r"(inhalt|video|beitrag) (von|aus) (youtube|twitter|x|instagram|facebook|tiktok|podigee)",
        r"^(zum|zur) (artikel|video|podcast|newsletter)",
        r"^jetzt (abonnieren|anmelden|registrieren|lesen|testen|weiterlesen)",
        r"[-–] für sie recherchiert$",
    ),
    "related": _rx(
        r"^mehr zum thema",
        r"^(lesen sie|lies) (auch|mehr|hier)",
        r"^(auch|ebenfalls) interessant",
        r"^weitere (artikel|nachrichten|themen|beiträge|meldungen|informationen)",
        r"^(das|dies) könnte (sie|dich) (auch )?interessieren",
        r"^(mehr|alle) (artikel|nachrichten|infos) (zu|zum|aus|über)",
        r"^verwandte (artikel|themen)",
        r"^mehr (themen|dazu|news|nachrichten|artikel) (auf|bei|von|zu|aus)\b",
        r"^hier finden sie (weitere )?informationen zu (dem|diesem) thema",
        r"(finden|lesen) sie .{0,60}(in unserem|im|in diesem) (liveblog|live-?ticker|newsticker|news-?blog)",
        r"liveblog:\s*$",
        r"^(→|->|>>|►|▶|»\s*»)\s*\S",
    ),
    "code": (
        # camelCase is case-sensitive by nature: ignoring case would match every single word.
        re.compile(r"^[a-z]+[A-Z][A-Za-z]*\s*:?$"),
        *_rx(r"\b(document|window)\.[a-zA-Z]+", r"\bfunction\s*\("),
    ),
    "errors": _rx(r"fehler (entdeckt|gefunden)\??", r"^haben sie einen fehler"),
    "ads": _rx(
        r"^(anzeige|werbung|sponsored|promotion)$",
        r"\btarif(e|rechner|vergleich)?\b.*\b(jetzt|vergleichen|sichern)\b",
        r"^(jetzt|hier) (abo|angebot|tarif)",
        r"^(\d+ )?(bilder|fotos)$",
        r"^(artikel (teilen|drucken|anhören|vorlesen)|teilen|drucken|kommentieren|merken)$",
        r"^diese audioversion wurde künstlich generiert",
        r"^(audio|artikel) (vorlesen|anhören)",
        r"^(folgen sie|folge) (uns|unserem|[\w-]+ auf)",
        r"^(hauptinhalt|inhalt|navigation|seitenanfang|zum inhalt springen|inhaltsverzeichnis|bitte beachten:?)$",
        r"kostenlos testen|testen sie (jetzt |uns )?(für|\d+|zwei|vier) (tage|wochen|monate)",
        r"(jetzt|schon jetzt) (vor)?bestellen",
        r"^(jetzt|hier) (unterstützen|spenden)",
        r"unterstützen sie (unseren|den|unabhängigen) journalismus",
        # An ad set as text under its label: "Anzeige: ...", "Anzeige | ...".
        r"^(anzeige|werbung|sponsored)\s*[:|–-]\s*\S",
    ),
    # Log-in and registration dialogs.
    "login": _rx(
        r"^passwort vergessen\??$",
        r"^(jetzt |hier )?(kostenlos )?(einloggen|anmelden|registrieren|login|log-in)!?$",
        r"^(noch kein|kein) (konto|kundenkonto|account)\b.{0,60}$",
        r"^(sie sind )?bereits (registriert|abonnent(in)?|kunde)\b.{0,60}$",
        r"^(e-mail-adresse|benutzername|passwort|angemeldet bleiben|online bleiben)$",
    ),
}

# Families that mark a longer block as boilerplate: disclaimers run long, but never as long
# as an articleBody that merely contains one.
DISCLAIMER = 700
ANY_LENGTH: dict[str, tuple[re.Pattern[str], ...]] = {
    "disclaimer": _rx(
        r"affiliate-links?",
        r"erhalten wir (eine|ggf\.|gegebenenfalls)? ?(kleine )?provision",
        r"maschinelle übersetzung eines artikels",
        r"^(lest|lesen sie) den originalartikel",
        r"^(hinweis|transparenzhinweis)\s*:\s*(dieser|der) (artikel|beitrag) (enthält|wurde)",
        r"totalverlust des eingesetzten kapitals",
        r"^aus dem [a-zäöü]+en (übersetzt )?von\b",
        r"^mit informationen (der|von|aus) .{0,80}(korrespondent|agentur|nachrichtenagentur)",
        r"^(dieser|der) (artikel|beitrag|text) (ist|erschien) (zuerst|ursprünglich)",
        r"\bist eine partnermarke (des|der|von)\b",
        # "Fotos sind ggf. beispielhafte Symbolbilder."
        r"^(die )?(fotos?|bilder?|abbildungen?)( in diesem artikel)? (sind|ist|können|zeigen)\b.{0,40}symbolbild",
    ),
    # A note that the article comes from a publishers' network ("Ippen-Redaktionsnetzwerk"):
    # prose that names a network ("sagte dem Redaktionsnetzwerk Deutschland") is no such note.
    "network": _rx(
        r"\bippen[\s.-]?redaktionsnetzwerk(s|es)?\b",
        r"^(dieser|der) (artikel|beitrag|text) .{0,80}(redaktionsnetzwerk|netzwerk von)\b",
        r"^\*?\s*[\w.-]+\.(de|at|ch|com) ist (ein angebot|teil|mitglied) (von|des|der)\b",
    ),
    # A person under their photo: "... ist Senior Fellow bei ..." continues the name in the
    # picture; "Anne Muster (*1958) war ..." is the author box's formula.
    "bio": _rx(
        r"^(\.\.\.|…)\s*(ist|war)\s",
        r"^[A-ZÄÖÜ][\w.-]*(\s+[A-ZÄÖÜ][\w.-]*){0,3}\s*\(\*\s?\d{4}\)\s*(ist|war)\s",
    ),
    # A video teaser ends with its date and running time: "... 17.04.2024 | 6:00 min".
    "video": _rx(r"\d{1,2}\.\d{1,2}\.\d{2,4}\s*\|\s*\d{1,3}:\d{2}\s*min\.?$"),
    "promo": _rx(
        r"der [\w-]+ newsletter (informiert|bringt|liefert)",
        r"newsletter (abonnieren|bestellen|anmelden)",
        r"(abonniere|abonnieren sie) (den|unseren) [\w -]{0,30}(kanal|newsletter|podcast)",
        r"^folgst du (schon|uns)",
        r"(hier geht es zur|zur neuen|unsere?) [\w-]*news-app",
        r"nachrichten aufs handy",
        r"auch (bei|auf) social media",
        r"wie hat ihnen (dieser|der) (artikel|beitrag) gefallen",
        r"^durchschnittliche bewertung",
        r"unabhängiger journalismus braucht",
        r"abonnieren für die pressefreiheit",
        r"bitte markieren sie die (entsprechenden )?wörter",
        r"melden sie den fehler",
        r"^dieses thema im programm\s*:",
        r"vertraulich (und sicher )?(via|über|per) (signal|threema|securedrop)",
    ),
    "consent": _rx(
        r"\bwir (verwenden|nutzen|setzen) (auf unserer (website|seite) )?cookies\b",
        r"^(alle )?(cookies )?(akzeptieren|zustimmen|ablehnen)$",
        r"^cookie-?(einstellungen|hinweis|richtlinie|banner)$",
        r"an dieser stelle finden sie (einen )?(von unseren redakteuren ausgewählten,? )?externen inhalt",
        r"ich bin damit einverstanden, dass mir (der )?externe",
        r"^empfohlener redaktioneller inhalt$",
    ),
}

# A one-word paragraph without a sentence ending is a chart label or a widget fragment;
# two or three words are often a subheading the extractor did not mark.
FRAGMENT_WORDS = 1
LIST_ITEM_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?:;…\"“”»«)]\s*$")

# Section labels a page prints above the headline ("Politik", "Leben").
SECTION_LABELS = frozenset(
    s.casefold()
    for s in (
        "Politik Wirtschaft Sport Leben Kultur Panorama Wissen Auto Technik Digital Reise "
        "Gesundheit Unterhaltung Regional Lokales Meinung Kommentar Ausland Inland Deutschland "
        "Welt Börse Finanzen Karriere Stil Gesellschaft Feuilleton Nachrichten News Video "
        "Liveticker Ratgeber Verbraucher Klima Bayern Berlin Hamburg"
    ).split()
)


@dataclass
class Filtered:
    blocks: list[Block]
    dropped: list[tuple[str, str]]  # (family, text) so the benchmark can say what went


# A photo credit inside or after a paragraph: "... sagte er (Foto: IMAGO/Max Muster)." or
# "... gesperrt. Foto: dpa". The paragraph stays; the credit goes.
_INLINE_CREDIT = re.compile(
    r"\s*\((?:foto|fotos|bild|bilder|archivfoto|archivbild|symbolfoto|symbolbild|grafik|video|"
    r"bildquelle|quelle foto)\s*:\s*[^()]{1,120}\)", re.IGNORECASE)
_TRAILING_CREDIT = re.compile(
    r"(?<=[.!?“”\"»«])\s+(?:foto|fotos|bild|bilder|symbolfoto|symbolbild)\s*:\s*[^.!?]{1,80}$", re.IGNORECASE)
# The same with the copyright sign: "... (© dpa)." or "... eröffnet. © Stadt Neustadt".
_INLINE_COPYRIGHT = re.compile(r"\s*\(\s*(?:foto\s*|bild\s*)?(?:©|\(c\))[^()]{1,80}\)", re.IGNORECASE)
_TRAILING_COPYRIGHT = re.compile(
    r"(?<=[.!?“”\"»«])\s+(?:(?:foto|fotos|bild|bilder)\s*)?©\s*[^.!?©]{1,80}$", re.IGNORECASE)
# A footnote marker left in the text as "[2]" after a word or a sentence.
_FOOTNOTE_MARK = re.compile(r"(?<=[\w.,;:!?“”\"»«)])\[\d{1,3}\]")


def strip_credits(text: str) -> str:
    """``text`` without photo credits set inside or after its sentences, and without
    footnote markers ("[2]"), which a listener would hear as a number."""
    if "[" in text:
        text = _FOOTNOTE_MARK.sub("", text)
    if "©" in text or "(c)" in text.lower():
        text = _TRAILING_COPYRIGHT.sub("", _INLINE_COPYRIGHT.sub("", text)).strip()
    if ":" not in text:
        return text
    return _TRAILING_CREDIT.sub("", _INLINE_CREDIT.sub("", text)).strip()


def family_of(text: str, extra: Iterable[re.Pattern[str]] = ()) -> str | None:
    """The boilerplate family ``text`` belongs to, or None for article text."""
    stripped = text.strip()
    for pattern in extra:
        if pattern.search(stripped):
            return "site"
    if len(stripped) <= DISCLAIMER:
        for family, patterns in ANY_LENGTH.items():
            if any(p.search(stripped) for p in patterns):
                return family
    if len(stripped) > SHORT:
        return None
    for family, patterns in FAMILIES.items():
        if any(p.search(stripped) for p in patterns):
            return family
    return None


def _is_link_teaser(text: str, links: frozenset[str] | set[str]) -> bool:
    own = squash(text)
    if own in links:
        return True
    words = len(own.split())
    if not 4 <= words <= 30:
        return False
    # A teaser's link often wraps kicker, headline and date (the block is one part of it),
    # or a bold kicker precedes a linked headline (the link is most of the block).
    return any(own in link or (own.endswith(link) and 2 * len(link) >= len(own)) for link in links)


def _list_item(text: str) -> bool:
    return len(text.split()) <= LIST_ITEM_WORDS and not _SENTENCE_END.search(text)


def filter_blocks(
    blocks: list[Block], extra: Iterable[re.Pattern[str]] = (), links: frozenset[str] | set[str] = frozenset()
) -> Filtered:
    """Drop boilerplate blocks. ``links`` are texts of links to other pages (see dom.link_texts)."""
    extra = tuple(extra)
    kept: list[Block] = []
    dropped: list[tuple[str, str]] = []
    # A list's items are short and unpunctuated; what opened the list decides their fate.
    # "Exportiert wurden vor allem:" opens article items (keep even "Maschinen"), a dropped
    # "Quellen:" opens a list of sources (drop them all).
    in_list = in_dropped_list = False
    orphan_risk: set[int] = set()  # kept headings whose next block was dropped
    for block in blocks:
        text = strip_credits(block.text)
        if not text:
            dropped.append(("credit", block.text))
            continue
        if text != block.text:
            dropped.append(("inline credit", block.text))
            block = Block(block.kind, text)
        family = family_of(block.text, extra)
        if family is None and in_dropped_list and _list_item(block.text):
            family = "source-list"
        if family is None and links and _is_link_teaser(block.text, links):
            family = "link-teaser"
        if family is None and not kept and block.text.casefold() in SECTION_LABELS:
            family = "section-label"
        if (family is None and block.kind == "paragraph" and len(block.text.split()) <= FRAGMENT_WORDS
                and not _SENTENCE_END.search(block.text) and not in_list):
            family = "fragment"
        if family is None:
            in_list = block.text.rstrip().endswith(":") or (in_list and _list_item(block.text))
            in_dropped_list = False
            kept.append(block)
            continue
        dropped.append((family, block.text))
        in_list = False
        if family == "source" and block.text.rstrip().endswith(":"):
            in_dropped_list = True
        if kept and kept[-1].kind == "heading":
            orphan_risk.add(len(kept) - 1)
    return Filtered(*_drop_orphan_headings(kept, dropped, orphan_risk))


def _drop_orphan_headings(
    kept: list[Block], dropped: list[tuple[str, str]], risky: set[int]
) -> tuple[list[Block], list[tuple[str, str]]]:
    """A heading whose section was all boilerplate (a partner box's "Capital") would be
    read out over nothing: drop it when what follows it is another heading or the end."""
    out: list[Block] = []
    for i, block in enumerate(kept):
        following = kept[i + 1] if i + 1 < len(kept) else None
        if i in risky and _list_item(block.text) and (following is None or following.kind == "heading"):
            dropped.append(("orphan-heading", block.text))
            continue
        out.append(block)
    return out, dropped

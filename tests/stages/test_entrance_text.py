"""Text from the entrance is clean: what a listener hears and a reader sees of a page or feed entry
whose charset label lies, that holds control characters or terminal escape sequences, or whose
headline runs on for pages.

Pages are served over real HTTP on 127.0.0.1 and go through fetch and the extraction path the
pipeline uses (``extract_page``); feed entries through ``parse_feed``."""

from __future__ import annotations

from itertools import cycle, islice

import pytest

from pipeline.config import Settings
from pipeline.models import Article, FeedEntry
from pipeline.run.article import extract_page
from pipeline.stages.charset import decode_html
from pipeline.stages.clean import ELLIPSIS, clean_article, clean_entry, clean_text, clean_title
from pipeline.stages.feeds import parse_feed
from pipeline.stages.fetch import fetch
from pipeline.stages.speech import Lexicon
from pipeline.stages.speech.script import to_script
from tests.conftest import Routes, reply
from tests.support.hostile_site import feed_xml, paragraph


def page_html(title: str, first: str, *, charset: str | None = "utf-8", kicker: str = "") -> str:
    """A German article page; ``title`` and ``first`` (the opening paragraph) go in as given, so a
    test can put raw control characters or character references in them."""
    meta = f'<meta charset="{charset}">' if charset else ""
    top = f'<p class="kicker">{kicker}</p>' if kicker else ""
    body = "".join(f"<p>{paragraph(i)}</p>" for i in range(3))
    return (
        f'<!DOCTYPE html><html lang="de"><head>{meta}<title>{title}</title></head>'
        f"<body><article>{top}<h1>{title}</h1><p>{first}</p>{body}</article></body></html>"
    )


def served(web: Routes, settings: Settings, body: bytes, content_type: str) -> Article:
    """The article a listener would get of ``body`` served with ``content_type``."""
    settings.allow_private_addresses = True
    web["/artikel"] = reply(body, content_type)
    page = fetch(f"{web.base}/artikel", settings)
    return extract_page(page.text, page.url, settings, allow_file=False)


def heard(article: Article) -> str:
    """Everything the listener hears, in reading order."""
    return article.text()


GREETING = "Grüße aus München"
OPENING = f"{GREETING}: Der Oberbürgermeister empfing am Montag die Gäste aus Österreich im Rathaus."


# -- charset: the bytes win over a label that lies ------------------------------------------


@pytest.mark.parametrize(
    ("header", "meta"),
    [
        ("text/html; charset=iso-8859-1", "iso-8859-1"),  # both say Latin-1
        ("text/html; charset=iso-8859-1", None),  # only the HTTP header
        ("text/html", "iso-8859-1"),  # only <meta charset>
        ("text/html; charset=iso-8859-1", "utf-8"),  # header and page disagree
    ],
)
def test_utf8_page_labelled_latin1_reads_as_written(web, settings, header, meta):
    body = page_html(f"{GREETING} zum Stadtfest", OPENING, charset=meta).encode("utf-8")
    article = served(web, settings, body, header)
    assert article.title == f"{GREETING} zum Stadtfest"
    assert GREETING in heard(article)
    assert "Ã" not in heard(article)


@pytest.mark.parametrize(
    ("header", "meta"),
    [("text/html; charset=iso-8859-1", "iso-8859-1"), ("text/html; charset=iso-8859-1", None), ("text/html", None)],
)
def test_genuine_latin1_page_still_reads_right(web, settings, header, meta):
    body = page_html(f"{GREETING} zum Stadtfest", OPENING, charset=meta).encode("iso-8859-1")
    article = served(web, settings, body, header)
    assert article.title == f"{GREETING} zum Stadtfest"
    assert GREETING in heard(article)
    assert "\ufffd" not in heard(article)


def test_windows_1252_quotes_on_a_page_labelled_latin1_are_quotes_not_gaps(web, settings):
    # Browsers read the label iso-8859-1 as windows-1252: „“ – € are bytes 0x84 0x93 0x96 0x80 there,
    # C1 control characters in true Latin-1.
    opening = "Der Kämmerer sagte „Nein“ – der Eintritt kostet weiter 5 € für alle Besucher im Rathaus."
    body = page_html("Streit um den Eintritt", opening, charset="iso-8859-1").encode("cp1252")
    article = served(web, settings, body, "text/html; charset=iso-8859-1")
    assert opening in heard(article)


def test_latin1_bytes_without_any_label_read_as_german():
    data = page_html("Grüße", OPENING, charset=None).encode("cp1252")
    assert GREETING in decode_html(data)


def test_bytes_in_another_legacy_charset_are_detected_when_the_label_does_not_fit():
    # Labelled UTF-8, sent as windows-1251: the label fails, the detector reads the bytes.
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. В Москве прошло заседание."
    data = f"<html><body><p>{text}</p></body></html>".encode("cp1251")
    assert text in decode_html(data, "utf-8")


# -- control characters separate words -------------------------------------------------------


def test_control_character_in_a_feed_title_becomes_a_space():
    # (A C1 character such as \x85 never gets here as a control: feedparser reads 0x80-0x9F as
    # windows-1252, "…" for \x85, as browsers do.)
    for title in ("Steuerzeichen\x07im Titel", "Steuerzeichen&#7;im Titel", "Steuerzeichen\x01im Titel"):
        (entry,) = parse_feed(feed_xml([("g1", "http://example.org/a", title)]).encode(), "http://example.org/f").entries
        assert entry.title == "Steuerzeichen im Titel", title


@pytest.mark.parametrize("bell", ["\x07", "&#7;", "&#x7;", "\x1f"])
def test_control_character_in_a_page_becomes_a_space(web, settings, bell):
    opening = f"Ein Steuerzeichen{bell}im Text trennt die Wörter, wie der Autor sie getrennt hatte, und bleibt still."
    body = page_html(f"Steuerzeichen{bell}im Titel", opening).encode("utf-8")
    article = served(web, settings, body, "text/html; charset=utf-8")
    assert article.title == "Steuerzeichen im Titel"
    assert "Ein Steuerzeichen im Text trennt" in heard(article)


def test_control_characters_in_text_fields_become_one_space():
    assert clean_text("Steuerzeichen\x07im") == "Steuerzeichen im"
    assert clean_text("Steuerzeichen\x07\x00\x1bim") == "Steuerzeichen im"
    assert clean_text("Zeile eins\x0bZeile zwei", multiline=True) == "Zeile eins Zeile zwei"
    # Next to a space or line break the control separates nothing: no double space is left.
    assert clean_text("Absatz \x07Ende\x07\nNeu", multiline=True) == "Absatz Ende\nNeu"
    assert clean_title("Steuerzeichen\x07im", 300) == "Steuerzeichen im"
    # Invisible marks sit inside words: they go without a trace, as before.
    assert clean_text("Bun\u200edes\u202etag") == "Bundestag"


def test_a_feed_guid_keeps_its_identity():
    # A GUID is never heard; a stored article must still be found under the GUID it had.
    raw = FeedEntry(guid="tag:example.org,2025:\x01a\u202e", url="http://example.org/a", title="T")
    entry = clean_entry(raw, title_limit=300, guid_limit=500)
    assert entry is not None and entry.guid == "tag:example.org,2025:a"


# -- terminal escape sequences vanish whole --------------------------------------------------


ESCAPED_TITLES = [
    "\x1b[31mRot\x1b[0m",  # CSI (colour)
    "&#27;[31mRot&#27;[0m",  # CSI as character references
    "&#x1B;[1;31mRot&#x1b;[0m",
    "\x1b]0;gekapert\x07Rot",  # OSC (window title), BEL-terminated
    "\x1b]8;;http://example.org/\x1b\\Rot\x1b]8;;\x1b\\",  # OSC 8 hyperlink, ST-terminated
    "\x9b31mRot\x9b0m",  # 8-bit CSI
]


@pytest.mark.parametrize("title", ESCAPED_TITLES)
def test_escape_sequences_in_a_page_vanish(web, settings, title):
    opening = f"{title} ist die Farbe, die der Künstler für das neue Plakat am Rathaus gewählt hat."
    body = page_html(f"{title} leuchtet", opening).encode("utf-8")
    article = served(web, settings, body, "text/html; charset=utf-8")
    assert article.title == "Rot leuchtet"
    assert "Rot ist die Farbe, die der Künstler" in heard(article)
    assert "[31m" not in heard(article) and "[0m" not in heard(article) and "]0;" not in heard(article)


# Without the 8-bit CSI: feedparser reads U+009B in a feed as windows-1252's "›" (as browsers
# do), so no CSI is left to strip; clean_text strips it where it does arrive (test below).
@pytest.mark.parametrize("title", ESCAPED_TITLES[:-1])
def test_escape_sequences_in_a_feed_title_vanish(title):
    (entry,) = parse_feed(feed_xml([("g1", "http://example.org/a", f"{title} leuchtet")]).encode(),
                          "http://example.org/f").entries
    assert entry.title == "Rot leuchtet"


def test_escape_sequences_in_text_fields_vanish():
    assert clean_title("\x1b[31mRot\x1b[0m", 300) == "Rot"
    assert clean_title("&#27;[31mRot", 300) == "Rot"
    assert clean_text("Ein \x1b[1mfetter\x1b[22m Satz.", multiline=True) == "Ein fetter Satz."
    assert clean_text("\x9b31mRot") == "Rot"
    assert clean_text("\x1b]0;Titel ohne Ende") == "Titel ohne Ende"  # unterminated: no text swallowed
    assert clean_text("Wort\x1b(BWort") == "WortWort"


def test_html_references_to_windows_1252_punctuation_stay_punctuation(web, settings):
    # &#150; and friends are read by every browser (and by the HTML parser) as windows-1252's
    # dash and quotes, not as C1 controls: they are punctuation, not gaps.
    opening = "Der Zug fährt Berlin&#150;Hamburg, sagte der Sprecher &#132;pünktlich&#147; ab, ohne Halt."
    body = page_html("Neue Verbindung", opening).encode("utf-8")
    article = served(web, settings, body, "text/html; charset=utf-8")
    assert "Der Zug fährt Berlin–Hamburg, sagte der Sprecher „pünktlich“ ab" in heard(article)


# -- a headline is capped where it is spoken, too --------------------------------------------


def long_headline(chars: int = 10_000) -> str:
    words = cycle(["Stadtrat", "beschließt", "Haushalt", "nach", "langer", "Debatte", "über", "Kürzungen",
                   "bei", "Bibliotheken", "und", "Schwimmbädern", "im", "Herbst"])
    text = " ".join(islice(words, chars))
    return text[:chars].rstrip()


def test_a_10000_character_headline_is_spoken_capped(web, settings):
    headline = long_headline()
    assert len(headline) >= 9_990
    body = page_html(headline, OPENING).encode("utf-8")
    article = served(web, settings, body, "text/html; charset=utf-8")
    limit = settings.max_title_chars
    assert len(article.spoken_title) <= limit and article.spoken_title.endswith(ELLIPSIS)
    # Nothing else reads the headline out in full: the lead and paragraphs are the article's own.
    assert OPENING in heard(article)
    # The whole spoken article (capped headline, opening, three short paragraphs) is a fraction
    # of the headline's 10,000 characters.
    assert len(to_script(article, lexicon=Lexicon()).text()) < 2_500


def test_kicker_and_long_headline_together_stay_within_the_cap():
    limit = 300
    article = Article(title=long_headline(), kicker="Haushaltsstreit", blocks=[])
    spoken = clean_article(article, title_limit=limit).spoken_title
    assert len(spoken) <= limit and spoken.endswith(ELLIPSIS)
    # A long kicker before a short headline is cut, the headline kept whole.
    article = Article(title="Stadtrat beschließt Haushalt", kicker=long_headline(), blocks=[])
    cleaned = clean_article(article, title_limit=limit)
    assert len(cleaned.spoken_title) <= limit
    assert cleaned.spoken_title.endswith(": Stadtrat beschließt Haushalt")
    # Short ones are left as they were.
    article = Article(title="Stadtrat beschließt Haushalt", kicker="Haushaltsstreit", blocks=[])
    assert clean_article(article, title_limit=limit).spoken_title == "Haushaltsstreit: Stadtrat beschließt Haushalt"

"""Text from outside is cleaned once, where it enters: feed entries and extracted articles.

A news site or feed may send anything: NUL, C0/C1 control characters (``\\x01`` or ``&#x1;``,
which XML 1.0 cannot hold at all), terminal escape sequences (``\\x1b[31m``), bidi overrides
that reorder what a listener's app shows, unpaired surrogates, and titles of any length.
Everything downstream (feed XML, JSON, ID3, the terminal, the voice) may then assume plain,
printable text.

What each kind becomes: an escape sequence vanishes whole (it is formatting, not text, and
removing only its ESC leaves "[31m" to be read out); a control character becomes a space
(it stood where the sender had some separator, and dropping it glues "Steuerzeichen\\x07im"
into one word); an invisible mark (bidi control, BOM, non-character, surrogate) is dropped,
since it sits inside a word and separates nothing.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from pipeline.models import Article, Block, FeedEntry, StageError

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Bidi embeddings/overrides/isolates and the invisible marks that steer them, BOM/zero-width
# no-break space, the non-characters and the surrogates (never valid on their own).
_MARKS = "\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff"
# Everything XML 1.0 cannot carry plus the marks: what no reader, XML file or terminal gets.
_DROP = re.compile(f"[{_CONTROLS}{_MARKS}]")
_MARK = re.compile(f"[{_MARKS}]")
_CONTROL_RUN = re.compile(f"[{_CONTROLS}]+")
# Terminal escape sequences (ECMA-48), each removed as a whole: CSI (ESC [ or 8-bit U+009B,
# parameters, intermediates, a final byte); the string commands OSC, DCS, SOS, PM and APC
# (ESC ] P X ^ _ or their 8-bit forms) up to BEL or ST, their text bounded so an unterminated
# one cannot swallow an article (of an unterminated OSC only "ESC ] 0;" goes) and stopping at
# the next introducer, so a page of introducers costs linear time; and an escape
# with intermediates (ESC ( B, ESC # 8).
# Two-character escapes (ESC 7, ESC c) lose only the ESC, which becomes a space with the other
# controls: a stray ESC before a word must not take the word's first letter with it. For the
# same reason the 8-bit CSI and those escapes take no space as intermediate: a stray U+009B
# before " Weiter" must not eat " W".
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[!-/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x90\x98\x9c-\x9f]{0,4096}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b\][0-9]*;?"
    r"|\x1b[!-/]+[0-~]"
)
_SPACES = re.compile(r"[ \t\r\n\u2028\u2029]+")
ELLIPSIS = "…"
HTTP_SCHEMES = ("http", "https")
# Below this many characters a cut kicker is a fragment, not a kicker: it is left out instead.
KICKER_MIN_CHARS = 10


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _unprintable_ref(match: re.Match[str]) -> str:
    """A numeric reference to a character the entrance removes, as that character (so the same
    rules apply to ``&#27;[31m`` as to ``\\x1b[31m``); "" for one beyond Unicode; any other
    reference as it was.

    References to 0x80-0x9F that windows-1252 defines (``&#150;``, ``&#132;``) stay: the HTML
    parser reads them as that table's dash and quotes, as browsers do, not as C1 controls."""
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if code > 0x10FFFF:
        return ""
    if not _DROP.match(chr(code)):
        return match.group(0)
    if 0x80 <= code <= 0x9F and _in_cp1252(code):
        return match.group(0)
    return chr(code)


def _in_cp1252(code: int) -> bool:
    try:
        bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _control_run(match: re.Match[str]) -> str:
    """A space for a run of control characters between two visible characters; nothing when a
    space, a line break or the text's edge already separates (no double spaces in body text)."""
    text, start, end = match.string, match.start(), match.end()
    between = 0 < start and end < len(text) and not text[start - 1].isspace() and not text[end].isspace()
    return " " if between else ""


def _printable(text: str) -> str:
    """``text`` with references to unprintable characters resolved, escape sequences removed,
    invisible marks dropped and control characters turned into word breaks."""
    text = _CHAR_REF.sub(_unprintable_ref, text)
    text = _ESCAPE.sub("", text)
    text = _MARK.sub("", text)
    return _CONTROL_RUN.sub(_control_run, text)


def clean_html(html: str) -> str:
    """A page's markup without the characters no article holds, raw or as ``&#x1;`` references
    (libxml2 stops parsing at such a reference and the rest of the article would be lost)."""
    return _printable(html)


def drop_unprintable(text: str) -> str:
    """Only the characters no reader, XML file or terminal should get removed; nothing else
    changes. The last line at every exit (feed, transcripts, player data), for records stored
    before the entrance cleaned them. At the entrance only identities (GUID, link) are cleaned
    this way; text goes through ``clean_text``."""
    return _DROP.sub("", text)


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Drop what no listener should get. A one-line field (title, author, link) also has its
    line breaks and runs of spaces folded; body text keeps its spacing (no-break spaces
    included: the speech rules read them), so a clean article's text and hash stay as they were."""
    if not value:
        return ""
    text = _printable(value)
    if multiline:
        return text.strip()
    return _one_line(text)


def cap(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, marked with "…" when cut."""
    if limit <= 0 or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def clean_title(value: str | None, limit: int) -> str:
    return cap(clean_text(value), limit)


def clean_url(value: str | None, *, allow_file: bool = False) -> str:
    """The URL when it is an absolute http(s) URL with a host (or file: when allowed), else "".

    Only such links are ever published or fetched: ``javascript:``, ``data:`` and friends are
    dropped here, at the entrance, so no later stage has to remember to refuse them."""
    # As before: unprintable characters dropped, not spaced. A space would make the link
    # invalid and lose the article; a link is an address, never read out.
    url = _one_line(drop_unprintable(value or ""))
    if not url or any(c.isspace() for c in url):
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return ""
    if parts.scheme.lower() in HTTP_SCHEMES and parts.hostname:
        return url
    if allow_file and parts.scheme.lower() == "file":
        return url
    return ""


def clean_entry(entry: FeedEntry, *, title_limit: int, guid_limit: int, allow_file: bool = False) -> FeedEntry | None:
    """A feed entry fit to store, or None when its link is not one we may fetch and publish."""
    url = clean_url(entry.url, allow_file=allow_file)
    if not url:
        return None
    # Not folded: a GUID is an identity, and a clean one must map to the same article as before.
    # Unprintable characters are dropped, not spaced, as they always were: the same GUID again.
    guid = drop_unprintable(entry.guid or "").strip()[:guid_limit] or url
    return FeedEntry(
        guid=guid,
        url=url,
        title=clean_title(entry.title, title_limit),
        published=entry.published,
        summary=clean_text(entry.summary, multiline=True),
        updated=entry.updated,
    )


def clean_article(article: Article, *, title_limit: int, allow_file: bool = False) -> Article:
    """The extractor's output with every text field cleaned and every link checked."""
    blocks = [Block(b.kind, t) for b in article.blocks if (t := clean_text(b.text, multiline=True))]
    title = clean_title(article.title, title_limit)
    return dataclasses.replace(
        article,
        title=title,
        kicker=_fit_kicker(clean_title(article.kicker, title_limit), title, title_limit),
        lead=clean_text(article.lead, multiline=True),
        blocks=blocks,
        url=clean_url(article.url, allow_file=allow_file),
        canonical_url=clean_url(article.canonical_url),
        image=clean_url(article.image),
        author=clean_title(article.author, title_limit),
        site_name=clean_title(article.site_name, title_limit),
        language=clean_text(article.language)[:20],
        notes=[clean_text(n) for n in article.notes],
    )


def _fit_kicker(kicker: str, title: str, limit: int) -> str:
    """The kicker, cut so that kicker and title together (``Article.spoken_title``, what the
    listener hears first and what the feed and ID3 tags show) stay within ``limit``: the capped
    title alone may already fill it. The title is the news and keeps its room; a kicker with
    too little left is left out."""
    if limit <= 0 or not kicker:
        return kicker
    room = limit - len(title) - 2  # spoken_title joins them with ": " (or one space)
    if len(kicker) <= room:
        return kicker
    return cap(kicker, room) if room >= KICKER_MIN_CHARS else ""


class TooLong(StageError):
    """An article longer than a listener would sit through (and a worker could master)."""

    reason = "too-long"


def check_length(article: Article, limit: int) -> None:
    size = len(article.text())
    if limit > 0 and size > limit:
        raise TooLong(
            f"article has {size} characters, over max_article_chars = {limit}; "
            "raise the setting to voice it anyway"
        )

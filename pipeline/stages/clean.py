"""Text from outside is cleaned once, where it enters: feed entries and extracted articles.

A news site or feed may send anything: NUL, C0/C1 control characters (``\\x01`` or ``&#x1;``,
which XML 1.0 cannot hold at all), bidi overrides that reorder what a listener's app shows,
unpaired surrogates, and titles of any length. Everything downstream (feed XML, JSON, ID3,
the terminal) may then assume plain, printable text.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from pipeline.models import Article, Block, FeedEntry, StageError

# What XML 1.0 cannot carry, C1 controls, bidi embeddings/overrides/isolates, the invisible
# marks that steer them, BOM/zero-width no-break space and the non-characters.
_DROP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\ud800-\udfff]"
)
_SPACES = re.compile(r"[ \t\r\n\u2028\u2029]+")
ELLIPSIS = "…"
HTTP_SCHEMES = ("http", "https")


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _drop_bad_ref(match: re.Match[str]) -> str:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    if code > 0x10FFFF or _DROP.match(chr(code)):
        return ""
    return match.group(0)


def clean_html(html: str) -> str:
    """A page's markup without the characters no article holds, raw or as ``&#x1;`` references
    (libxml2 stops parsing at such a reference and the rest of the article would be lost)."""
    return _DROP.sub("", _CHAR_REF.sub(_drop_bad_ref, html))


def drop_unprintable(text: str) -> str:
    """Only the characters no reader, XML file or terminal should get removed; nothing else
    changes. Used at the entrance by the functions below and at every exit as a last line."""
    return _DROP.sub("", text)


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Drop what no listener should get. A one-line field (title, author, link) also has its
    line breaks and runs of spaces folded; body text keeps its spacing (no-break spaces
    included: the speech rules read them), so a clean article's text and hash stay as they were."""
    if not value:
        return ""
    text = drop_unprintable(value)
    if multiline:
        return text.strip()
    return _SPACES.sub(" ", text).strip()


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
    url = clean_text(value)
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
    guid = clean_text(entry.guid, multiline=True)[:guid_limit] or url
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
    return dataclasses.replace(
        article,
        title=clean_title(article.title, title_limit),
        kicker=clean_title(article.kicker, title_limit),
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

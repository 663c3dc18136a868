"""Page metadata a listener never hears but the Article needs: headline, teaser, author,
dates, image, canonical URL and language hints, from <meta>, <link> and JSON-LD.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import html as lxml_html

_ARTICLE_TYPES = {"newsarticle", "article", "reportage", "reportagenewsarticle", "blogposting",
                  "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle", "report",
                  "liveblogposting", "webpage"}


@dataclass
class PageMeta:
    title: str = ""            # <title>
    og_title: str = ""
    h1: list[str] = field(default_factory=list)
    h1_kicker: str = ""        # the first <h1>'s own kicker element, when it has one
    h1_headline: str = ""      # the rest of that <h1>
    description: str = ""      # <meta name=description>
    og_description: str = ""
    site_name: str = ""
    canonical_url: str = ""
    image: str = ""
    html_lang: str = ""
    og_locale: str = ""
    published: datetime | None = None
    author: str = ""
    ld_headline: str = ""
    ld_description: str = ""
    ld_body: str = ""
    ld_language: str = ""
    ld_is_article: bool = False   # a JSON-LD article object exists (not merely a WebPage)
    og_type: str = ""
    paywalled: bool = False       # JSON-LD isAccessibleForFree is false


def clean_space(text: str) -> str:
    # NFC: some pages send decomposed umlauts ("u" + combining diaeresis); a voice and a
    # lexicon expect the composed letter. Soft hyphens and zero-width spaces are invisible.
    text = unicodedata.normalize("NFC", text.replace("\xad", "").replace("\u200b", ""))
    return re.sub(r"\s+", " ", text).strip()


def _meta_index(tree: Any) -> dict[str, str]:
    # One pass over the <meta> tags; asking XPath per key is slow on a 5 MB page.
    index: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = (el.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (el.get(attr) or "").strip().lower()
            if key and key not in index:
                index[key] = clean_space(content)
    return index


def _meta(index: dict[str, str], *keys: str) -> str:
    return next((index[k] for k in keys if index.get(k)), "")


_SEPARATORS = {":", "-", "–", "—", "|", "/", "·"}


def split_h1(h1: Any) -> tuple[str, str]:
    """("Kicker", "Headline") when the <h1> opens with a short element of its own, as in
    <h1><span>Premier League</span> <span>Rückschlag im Titelkampf</span></h1>."""
    if (h1.text or "").strip():
        return "", ""
    children = [c for c in h1 if isinstance(c.tag, str) and clean_space(c.text_content())]
    if len(children) < 2 or children[0].tag in ("em", "i", "a", "abbr"):
        return "", ""
    first = children[0]
    kicker = clean_space(first.text_content()).rstrip(":").strip()
    if kicker.endswith("-"):  # "MSV-" + "Interimstrainer": one word split over two spans
        return "", ""
    if (first.tail or "").strip() not in _SEPARATORS | {""} or not 1 <= len(kicker.split()) <= 6:
        return "", ""
    rest = clean_space(" ".join(clean_space(c.text_content()) + " " + (c.tail or "") for c in children[1:]))
    rest = rest.lstrip(":-–—|/· ").strip()
    return (kicker, rest) if len(rest.split()) >= 2 else ("", "")


def _iter_ld(obj: Any):
    # JSON-LD nests articles in lists, @graph arrays and mainEntity; walk all of it.
    if isinstance(obj, list):
        for item in obj:
            yield from _iter_ld(item)
    elif isinstance(obj, dict):
        yield obj
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in obj:
                yield from _iter_ld(obj[key])


def _ld_type(obj: dict) -> set[str]:
    kind = obj.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return clean_space(value)
    if isinstance(value, dict):
        return _text_of(value.get("name") or value.get("url") or "")
    if isinstance(value, list):
        names = [_text_of(v) for v in value]
        return ", ".join(n for n in names if n)
    return ""


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _ld_articles(tree: Any) -> list[dict]:
    found: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        found.extend(o for o in _iter_ld(data) if _ld_type(o) & _ARTICLE_TYPES)
    # A NewsArticle beats a WebPage; keep declaration order otherwise.
    found.sort(key=lambda o: "webpage" in _ld_type(o))
    return found


def read_meta(tree: Any) -> PageMeta:
    meta = PageMeta()
    tags = _meta_index(tree)
    titles = tree.xpath("//title")
    meta.title = clean_space(titles[0].text_content()) if titles else ""
    meta.og_title = _meta(tags, "og:title", "twitter:title")
    meta.h1 = [clean_space(h.text_content()) for h in tree.xpath("//body//h1")]
    meta.h1 = [h for h in meta.h1 if h]
    h1s = tree.xpath("//body//h1")
    if h1s:
        meta.h1_kicker, meta.h1_headline = split_h1(h1s[0])
    meta.description = _meta(tags, "description")
    meta.og_description = _meta(tags, "og:description", "twitter:description")
    meta.site_name = _meta(tags, "og:site_name")
    meta.image = _meta(tags, "og:image", "twitter:image")
    meta.og_locale = _meta(tags, "og:locale")
    meta.author = _meta(tags, "author", "article:author")
    meta.published = _parse_date(_meta(tags, "article:published_time", "datePublished"))
    canon = tree.xpath('//link[@rel="canonical"]/@href')
    meta.canonical_url = canon[0].strip() if canon else _meta(tags, "og:url")
    langs = tree.xpath("/html/@lang") or tree.xpath("//html/@lang")
    meta.html_lang = langs[0].strip() if langs else ""
    meta.og_type = _meta(tags, "og:type").lower()
    for obj in _ld_articles(tree):
        meta.ld_is_article = meta.ld_is_article or "webpage" not in _ld_type(obj)
        if str(obj.get("isAccessibleForFree", "")).lower() == "false":
            meta.paywalled = True
        meta.ld_headline = meta.ld_headline or _text_of(obj.get("headline"))
        meta.ld_description = meta.ld_description or _text_of(obj.get("description"))
        meta.ld_body = meta.ld_body or (obj.get("articleBody") or "" if isinstance(
            obj.get("articleBody"), str) else "")
        meta.ld_language = meta.ld_language or _text_of(obj.get("inLanguage"))
        meta.author = meta.author or _text_of(obj.get("author"))
        meta.published = meta.published or _parse_date(_text_of(obj.get("datePublished")))
        meta.image = meta.image or _text_of(obj.get("image"))
    return meta


def parse_tree(html: str) -> Any:
    """An lxml tree, or None when the text holds no parsable document."""
    if not html.strip():
        return None
    try:
        return lxml_html.document_fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None

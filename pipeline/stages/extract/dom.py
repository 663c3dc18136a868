"""Questions asked of the parsed page itself: its visible text, and where its lead sits.

Generic extractors drop the lead most often because publishers put it in the header, apart
from the body. We look for it where publishers put it: an element whose class says "lead",
"intro", "teaser" or "excerpt", or else the first full sentence block between the <h1> and
the body's first paragraph.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .meta import clean_space

_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg")
_SEEN = "text()[" + " and ".join(f"not(ancestor::{t})" for t in _INVISIBLE) + "]"
# Compiled once: own_text runs on most elements above the body of every page.
_VISIBLE_TEXT = etree.XPath(f"//body//{_SEEN}")
_OWN_TEXT = etree.XPath(f".//{_SEEN}")
_LEAD_CLASS = re.compile(
    r"(^|[\s_-])(lead|leadtext|intro|teaser|excerpt|standfirst|summary|abstract|subline|dek|"
    r"storyintro|story-intro|article-intro|article-lead|vorspann|einleitung)", re.IGNORECASE)
_NOT_LEAD_CLASS = re.compile(r"caption|credit|copyright|author|byline|date|related|teaser-?list|"
                             r"nav|menu|footer|newsletter|comment|share|cookie|consent", re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?:…\"“”«»)]\s*$")
_MIN_CHARS, _MAX_CHARS = 60, 900


def squash(text: str) -> str:
    """Words only, case-folded: for "does this text occur there" questions."""
    return re.sub(r"\W+", " ", text).casefold().strip()


def visible_text(tree: Any) -> str:
    parts = _VISIBLE_TEXT(tree)
    return " ".join(p.strip() for p in parts if p.strip())


def is_visible(text: str, visible_squashed: str) -> bool:
    # The whole teaser must be on the page: a meta description often shares the opening
    # words with the visible lead and then says something else.
    key = squash(text)[:400]
    return bool(key) and key in visible_squashed


def _leadish(el: Any, unpunctuated_words: int = 0) -> str:
    """The element's text if it reads like a lead. ``unpunctuated_words``: a block this long
    counts even without a sentence ending (some sites end a teaser without a full stop)."""
    text = clean_space(el.text_content())
    if not (_MIN_CHARS <= len(text) <= _MAX_CHARS) or len(text.split()) < 8:
        return ""
    if not _SENTENCE.search(text) and not (unpunctuated_words and len(text.split()) >= unpunctuated_words):
        return ""
    # A teaser box for another article is mostly link text; a lead is not.
    linked = sum(len(clean_space(a.text_content())) for a in el.iter("a"))
    if linked > 0.3 * len(text):
        return ""
    for node in [el, *el.iterancestors()]:
        if node.tag in ("figure", "figcaption", "nav", "footer", "aside", "a", "li"):
            return ""
        if _NOT_LEAD_CLASS.search(node.get("class") or ""):
            return ""
    return text


def lead_by_class(tree: Any) -> str:
    for el in tree.xpath("//body//*[@class or @id]"):
        if el.tag in _INVISIBLE:
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _LEAD_CLASS.search(marker):
            text = _leadish(el)
            if text:
                return text
    return ""


def own_text(el: Any) -> str:
    """What a reader sees of ``el``: its text without <style> and <script> content (some
    sites put a style sheet inside every heading)."""
    return clean_space(" ".join(_OWN_TEXT(el)))


def _headline_element(tree: Any, title: str, body_start: str = "") -> Any:
    h1s = tree.xpath("//body//h1")
    if h1s:
        return h1s[0]
    # No <h1> (some sites use <h2> for the headline): the heading that carries the title.
    headings = tree.xpath("//body//h2 | //body//h3")
    want = squash(title)
    if want:
        for el in headings:
            if want in squash(own_text(el)):
                return el
    # Otherwise the headline is the last heading before the body begins: what lies between
    # them is where the lead sits.
    start = body_start_element(tree, body_start)
    if start is None:
        return None
    last = None
    for el in tree.iter():
        if el is start:
            return last
        if el.tag in ("h2", "h3") and own_text(el) and not _in_box(el):
            last = el
    return None


def _in_box(el: Any) -> bool:
    """Inside navigation, a footer, an aside, a figure, a link or a box whose class says it
    is not article text: a lead or summary never sits there."""
    for node in [el, *el.iterancestors()]:
        if node.tag in ("figure", "figcaption", "nav", "footer", "aside", "a"):
            return True
        if _NOT_LEAD_CLASS.search(node.get("class") or ""):
            return True
    return False


def body_start_element(tree: Any, body_start: str) -> Any:
    """The <p> whose text opens with the body's first paragraph, or None."""
    stop = squash(body_start)[:60]
    if not stop:
        return None
    for el in tree.iter("p"):
        if squash(el.text_content()).startswith(stop):
            return el
    return None


def lead_after_h1(tree: Any, body_start: str, title: str = "", limit: int = 600) -> str:
    """The first sentence-like block after the headline, if it comes before the body starts."""
    anchor = _headline_element(tree, title, body_start)
    if anchor is None:
        return ""
    h1s = [anchor]
    stop = squash(body_start)[:60]
    seen = 0
    for el in h1s[0].getroottree().iter():
        # Document order: skip everything up to and including the <h1>.
        if el is h1s[0]:
            seen = 1
            continue
        if not seen or not isinstance(el.tag, str):
            continue
        seen += 1
        if seen > limit:
            return ""
        if el.tag not in ("p", "h2", "div", "span", "strong"):
            continue
        own = squash(own_text(el))
        if stop and own.startswith(stop):
            return ""
        # Only leaf-like blocks: a wrapper holding the whole body is not a lead.
        if el.xpath(".//p|.//div|.//h2|.//h3"):
            continue
        text = _leadish(el, unpunctuated_words=12 if el.tag in ("h2", "p") else 0)
        if text:
            return text
    return ""


def link_texts(tree: Any, min_words: int = 3) -> set[str]:
    """Texts of links to other pages: a block that is nothing but one is a teaser for
    another article. In-page anchors (#...) are left out, so linked subheadings stay."""
    found = set()
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        text = squash(a.text_content())
        if len(text.split()) >= min_words and not linked_paragraph(a):
            found.add(text)
    return found


LINKED_PROSE_WORDS = 12  # a link this long, ending a sentence, as a paragraph's whole text is prose


def linked_paragraph(a: Any) -> bool:
    """A paragraph of the article that is nothing but a link ("Den vollständigen Bericht hat
    die Stadt im Internet veröffentlicht."): prose, not a teaser for another article. A teaser's
    headline does not end a sentence; a linked paragraph does, among other paragraphs."""
    parent = a.getparent()
    if parent is None or parent.tag != "p":
        return False
    text = clean_space(a.text_content())
    if clean_space(parent.text_content()) != text or len(text.split()) < LINKED_PROSE_WORDS:
        return False
    if not re.search(r"[.!?…][\"“”»«]?$", text):
        return False
    siblings = [p for p in parent.itersiblings("p")] + [p for p in parent.itersiblings("p", preceding=True)]
    return any(len(clean_space(p.text_content()).split()) >= PROSE_WORDS and not p.xpath(".//a") for p in siblings)


SUMMARY_ITEMS = (2, 6)     # a summary box lists two to six points
SUMMARY_ITEM_WORDS = (4, 45)
LONG_PARAGRAPH = 30        # words: the body has begun once a paragraph this long appears


def _item_texts(box: Any) -> list[str]:
    children = [c for c in box if isinstance(c.tag, str)]
    # Cheap shape checks first: this runs on every list and <div> above the body.
    if not SUMMARY_ITEMS[0] <= len(children) <= SUMMARY_ITEMS[1] + 2:
        return []
    if box.tag in ("ul", "ol"):
        items = [li for li in children if li.tag == "li"]
    else:
        if sum(c.tag == "p" for c in children) < SUMMARY_ITEMS[0]:
            return []
        items = [p for p in box if isinstance(p.tag, str) and p.tag == "p"]
        # A <div> of paragraphs is a summary only if it holds nothing else with text.
        others = [c for c in box if isinstance(c.tag, str) and c.tag != "p" and own_text(c)]
        if others:
            return []
    return [own_text(i) for i in items]


def _is_summary(box: Any) -> list[str]:
    texts = _item_texts(box)
    low, high = SUMMARY_ITEMS
    if not low <= len(texts) <= high:
        return []
    for text in texts:
        words = len(text.split())
        if not SUMMARY_ITEM_WORDS[0] <= words <= SUMMARY_ITEM_WORDS[1] or not _SENTENCE.search(text):
            return []
    linked = sum(len(clean_space(a.text_content())) for a in box.iter("a"))
    if linked > 0.3 * sum(len(t) for t in texts) or _in_box(box):
        return []
    return texts


def summary_items(tree: Any, title: str = "") -> list[str]:
    """The points of a summary box set between the headline and the body ("Darum geht's",
    "In Kürze", bullet points under the headline): a list of two to six full sentences
    before the first long paragraph. Generic extractors drop it, or read it as body text."""
    h1s = tree.xpath("//body//h1")
    started = not h1s  # without an <h1>, anything before the body may hold it
    found: list[str] = []
    body = tree.find("body")
    for el in (body if body is not None else tree).iter():
        if not isinstance(el.tag, str):
            continue
        if h1s and el is h1s[0]:
            started = True
            continue
        if not started:
            continue
        if (el.tag == "p" and len(el.text_content()) > 5 * LONG_PARAGRAPH
                and len(own_text(el).split()) >= LONG_PARAGRAPH and not _in_box(el)):
            # The body has begun; a summary inside this very paragraph's box is no summary.
            return found if found and not _holds_paragraph(found, el) else []
        if el.tag in ("ul", "ol", "div", "section"):
            items = _is_summary(el)
            if items:
                found = items
    return []


def _holds_paragraph(items: list[str], paragraph: Any) -> bool:
    text = squash(own_text(paragraph))
    return any(squash(i) in text for i in items)


HEADING_WORDS = 20  # a subheading longer than this is a teaser or a paragraph set large
STRONG_HEADING_WORDS = 12


def _all_strong(el: Any) -> bool:
    """The paragraph's whole text is bold: <p><strong>Subheading</strong></p>."""
    text = squash(el.text_content())
    if not text:
        return False
    bold = " ".join(squash(b.text_content()) for b in el.iter("strong", "b")
                    if not any(a.tag in ("strong", "b") for a in b.iterancestors()))
    return squash(bold) == text


def heading_texts(tree: Any) -> set[str]:
    """Texts the page sets as subheadings: <h2>-<h6>, terms (<dt>), and paragraphs that are nothing but a
    short bold line without a full stop, followed by more text (ZDF and many CMSs mark
    subheadings so). Generic extractors often hand either back as a paragraph."""
    found: set[str] = set()
    for el in tree.xpath("//body//h2 | //body//h3 | //body//h4 | //body//h5 | //body//h6 | //body//dt"):
        text = squash(el.text_content())
        limit = STRONG_HEADING_WORDS if el.tag == "dt" else HEADING_WORDS  # a term heads its definition
        if text and len(text.split()) <= limit:
            found.add(text)
    for el in tree.xpath("//body//p[strong or b]"):
        raw = clean_space(el.text_content())
        if not raw or len(raw.split()) > STRONG_HEADING_WORDS or raw.endswith((".", ":", ",", ";", "…")):
            continue
        following = el.getnext()
        if following is None or not clean_space(following.text_content()):
            continue
        if _all_strong(el):
            found.add(squash(raw))
    return found


_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
MEDIA_BOX = 400  # characters of caption and credit an image box may carry


def _is_media_box(el: Any) -> bool:
    if el.tag == "figure":
        return True
    return bool(el.xpath(".//img | .//picture | .//video")) and len(el.text_content()) <= MEDIA_BOX


def headings_before(tree: Any) -> dict[str, list[str]]:
    """For each paragraph of the page (by its words), the subheadings set right above it.
    Generic extractors drop some subheadings (a live ticker's "11.04 Uhr: ..." entry titles,
    headings whose class says "time"); the paragraphs they kept tell where they belonged."""
    found: dict[str, list[str]] = {}
    for p in tree.iter("p"):
        heads: list[str] = []
        prev = p.getprevious()
        while prev is not None:
            if not isinstance(prev.tag, str) or _is_media_box(prev):
                prev = prev.getprevious()  # an image between heading and text
                continue
            if prev.tag not in _HEADINGS:
                break
            text = own_text(prev)
            if text and not prev.xpath(".//a") and len(text.split()) <= HEADING_WORDS:
                heads.append(text)
            prev = prev.getprevious()
        if heads:
            found.setdefault(squash(own_text(p))[:80], list(reversed(heads)))
    return found


def headline_text(tree: Any, title: str, body_start: str) -> str:
    """What the page shows as its headline when it has no <h1> ("" if it has one or none is
    found): a body block repeating it is a title echo, not text."""
    if tree.xpath("//body//h1"):
        return ""
    el = _headline_element(tree, title, body_start)
    return own_text(el) if el is not None else ""


PROSE_WORDS = 15      # a block this long, ending a sentence, is prose
RUN_BLOCKS = 3        # prose blocks under one parent that make an article body
MERGED_WORDS = 250    # an extracted block this long may be several paragraphs run together


def prose_runs(tree: Any) -> list[list[str]]:
    """Runs of prose blocks under one parent (<p> or leaf <div>), longest first. Pages that
    set paragraphs as <div>s without <p> (older SPIEGEL pages) come out of the generic
    extractor as one block; the runs give the paragraphs back."""
    runs: list[list[str]] = []
    for parent in tree.iter("div", "section", "article", "main", "td"):
        prose = []
        for child in parent:
            if not isinstance(child.tag, str) or child.tag not in ("p", "div"):
                continue
            if child.tag == "div" and child.xpath(".//div | .//p | .//ul | .//table"):
                continue
            text = clean_space(child.text_content())
            if len(text.split()) >= PROSE_WORDS and _SENTENCE.search(text):
                prose.append(text)
        if len(prose) >= RUN_BLOCKS:
            runs.append(prose)
    return sorted(runs, key=lambda r: -sum(len(t) for t in r))

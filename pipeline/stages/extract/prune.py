"""DOM boxes a listener must not hear, removed before the generic extractor reads the page.

The line filter sees one block at a time; some boilerplate is only recognisable as a box:
a newsletter pitch sits above an e-mail field, a donation or trial appeal is several
sentences of ordinary prose around a "Jetzt unterstützen" button, a chart's title sits above
a consent placeholder, an author bio sits under a "Die Autorin" heading. We find the
tell-tale element and remove the smallest box around it, climbing only while the box stays
small, so article paragraphs never go with it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from lxml import etree

from .dom import linked_paragraph
from .meta import clean_space

# A button or link that is the whole call to action of an appeal box.
_CTA = re.compile(
    r"^(jetzt |hier )?(unterstützen|spenden|mitglied werden|abonnieren|abo abschließen|bestellen|"
    r"(kostenlos |gratis )?testen)!?$",
    re.IGNORECASE,
)
# A button that pleads for money in its own words: "Jetzt mit 5 Euro unterstützen".
_CTA_PLEA = re.compile(r"^(jetzt|hier|gleich)\b.{0,30}\b(unterstützen|spenden)!?$", re.IGNORECASE)
# The button of a cookie or consent notice.
_CONSENT_BUTTON = re.compile(
    r"^((alle|cookies) )?(akzeptieren|zustimmen|annehmen|zulassen)( und (weiter|schließen))?$|^einverstanden$",
    re.IGNORECASE)
_CONSENT_BUTTON_STARTS = ("alle", "cookies", "akzeptieren", "zustimmen", "annehmen", "zulassen", "einverstanden")
# The placeholder an embedded chart, video or post shows until the reader consents.
_CONSENT = re.compile(
    r"^(ein klick für den datenschutz|externer inhalt|empfohlener redaktioneller inhalt)$", re.IGNORECASE
)
# The heading of a box about the author or a person (Presse, Project Syndicate, many more).
_BIO_HEADING = re.compile(
    r"^(die autorin|der autor|die autoren|die autorinnen|zur autorin|zum autor|über (den|die) autor(in)?|"
    r"zur person)$",
    re.IGNORECASE,
)
_NEVER = ("html", "body", "main", "article")
# The first words of the patterns above, for a cheap test before reading a whole element.
_CTA_STARTS = ("jetzt", "hier", "unterstützen", "spenden", "mitglied", "abonnieren", "abo ", "bestellen",
               "kostenlos", "gratis", "testen")
_CONSENT_STARTS = ("ein klick", "externer", "empfohlener")
_BIO_STARTS = ("die autor", "der autor", "zur autorin", "zum autor", "über den", "über die", "zur person")
# A drop cap: the paragraph's first letter in its own styled element ("N" + " a endlich!").
_DROP_CAP_CLASS = re.compile(r"(^|[\s_-])(initial|drop-?cap|versal)", re.IGNORECASE)

APPEAL_BOX = 900  # characters: an appeal box is a headline, a paragraph or two and a button
APPEAL_PARAGRAPHS, PROSE = 3, 120  # prose paragraphs an appeal box may hold, and their length
LABEL_SLACK = 150  # characters a consent widget may add around its placeholder (title, credit)
BIO_BOX = 800


def _text(el: Any) -> str:
    return clean_space(el.text_content())


def _first_text(el: Any) -> str:
    """The first words a reader sees in ``el``, lower-cased: a cheap test before the whole
    text is read (a page may have a hundred thousand elements)."""
    own = el.text
    if own and not own.isspace():
        return own.lstrip()[:24].lower()  # the common case, without a generator
    for piece in el.itertext():
        piece = piece.strip()
        if piece:
            return piece[:24].lower()
    return ""


def _climb(el: Any, fits: Any) -> Any:
    """The largest ancestor-or-self of ``el`` for which ``fits(ancestor)`` still holds."""
    box = el
    parent = box.getparent()
    while parent is not None and parent.tag not in _NEVER and fits(parent):
        box = parent
        parent = box.getparent()
    return box


def _appeal_sized(box: Any) -> bool:
    # An appeal is a headline, a paragraph or two and a button. A short article (or one
    # that wraps a few paragraphs per <div>) is as short, but has more prose paragraphs.
    if len(_text(box)) > APPEAL_BOX:
        return False
    prose = [p for p in box.iter("p") if len(_text(p)) >= PROSE]
    return len(prose) <= APPEAL_PARAGRAPHS


def _boxes(tree: Any) -> list[Any]:
    found: list[Any] = []
    for el in tree.iter("a", "button"):
        first = _first_text(el)
        if first.startswith(_CTA_STARTS) and (_CTA.match(_text(el)) or _CTA_PLEA.match(_text(el))):
            found.append(_climb(el, _appeal_sized))
        elif first.startswith(_CONSENT_BUTTON_STARTS) and _CONSENT_BUTTON.match(_text(el)):
            found.append(_climb(el, _appeal_sized))
    # A log-in or registration dialog: its password field sits under "Anmelden" and above
    # "Passwort vergessen?".
    for el in tree.xpath("//body//input[@type='password']"):
        found.append(_climb(el, _appeal_sized))
    # A newsletter sign-up box: its e-mail field sits under the newsletter's name and pitch.
    for el in tree.xpath("//body//input[@type='email']"):
        found.append(_climb(el, _appeal_sized))
    for el in tree.iter("div", "span", "p", "strong", "h2", "h3", "h4"):
        if not _first_text(el).startswith(_CONSENT_STARTS + _BIO_STARTS):
            continue
        own = _text(el)
        if _CONSENT.match(own):
            # The placeholder's own box holds its explanation; a huge parent is not a widget.
            start = min(len(_text(el.getparent())) if el.getparent() is not None else 0, APPEAL_BOX)
            found.append(_climb(el, lambda p, s=start: len(_text(p)) <= s + LABEL_SLACK))
        elif el.tag in ("h2", "h3", "h4", "strong", "p") and _BIO_HEADING.match(own):
            found.append(_climb(el, lambda p: len(_text(p)) <= BIO_BOX))
    return found


def join_drop_caps(tree: Any) -> int:
    """Glue a drop cap to the rest of its word: the voice must say "Na endlich", not "N a
    endlich". Returns how many were glued."""
    glued = 0
    for el in tree.xpath("//body//*[@class]"):
        if not _DROP_CAP_CLASS.search(el.get("class") or "") or not re.fullmatch(r"\w", _text(el)):
            continue
        # The letter may sit in wrappers; the stray space follows the outermost one.
        box = el
        while box.getparent() is not None and _text(box.getparent()) == _text(el):
            box = box.getparent()
        follower = box.getnext()
        if box.tail and box.tail.strip() == "":
            box.tail = ""
        elif box.tail:
            box.tail = box.tail.lstrip()
        if follower is not None and not box.tail and follower.text:
            follower.text = follower.text.lstrip()
        glued += 1
    return glued


PROSE_CELL = 25  # words: a table cell this long holds body text, not data
PROSE_LIST = 20  # words over all <dd> of a definition list that carries body text


def _paragraph(tree: Any, text: str, bold: bool = False) -> Any:
    p = tree.makeelement("p", {})
    if bold:
        strong = tree.makeelement("strong", {})
        strong.text = text
        p.append(strong)
    else:
        p.text = text
    return p


def unwrap_prose(tree: Any) -> int:
    """Body text set in a layout table or a definition list becomes plain paragraphs (the
    generic extractor skips tables and may skip <dl>). A data table stays as it is: it is not
    read. Returns how many were unwrapped."""
    done = 0
    for table in list(tree.iter("table")):
        cells = [clean_space(c.text_content()) for c in table.iter("td", "th")]
        if not any(len(c.split()) >= PROSE_CELL for c in cells) or table.getparent() is None:
            continue
        box = tree.makeelement("div", {})
        for cell in cells:
            if cell:
                box.append(_paragraph(tree, cell))
        box.tail = table.tail
        table.getparent().replace(table, box)
        done += 1
    for dl in list(tree.iter("dl")):
        parts = [(c.tag, clean_space(c.text_content())) for c in dl if c.tag in ("dt", "dd")]
        if sum(len(t.split()) for tag, t in parts if tag == "dd") < PROSE_LIST or dl.getparent() is None:
            continue
        box = tree.makeelement("div", {})
        for tag, text in parts:
            if text:
                # A term reads as a subheading: a short bold line (see dom.heading_texts).
                box.append(_paragraph(tree, text, bold=tag == "dt"))
        box.tail = dl.tail
        dl.getparent().replace(dl, box)
        done += 1
    return done


def unlink_prose(tree: Any) -> int:
    """A paragraph of the article that is nothing but a link loses the link (its text stays):
    the generic extractor drops link-only paragraphs as navigation. Returns how many."""
    done = 0
    for a in list(tree.iter("a")):
        if a.get("href") and linked_paragraph(a):
            a.drop_tag()
            done += 1
    return done


def prune(tree: Any) -> tuple[Any, list[str]]:
    """A copy of ``tree`` without appeal, consent and author boxes, and what was removed."""
    tree = copy.deepcopy(tree)
    join_drop_caps(tree)
    unwrap_prose(tree)
    unlink_prose(tree)
    removed: list[str] = []
    boxes = _boxes(tree) + [box for _, box in more_boxes(tree)]
    for box in boxes:
        # A box inside one removed before is detached from the page by now.
        top = next(iter(reversed(list(box.iterancestors()))), None)
        if top is not tree:
            continue
        removed.append(_text(box))
        box.drop_tree()
    return tree, removed


# --- issue 11: boxes around the article a listener must not hear --------------------------
# Each family is found by what marks it (an image beside a credit, radio buttons, a class
# name, a box heading) and removed with the smallest box around it that stays small.
FIGURE_TEXT = 500     # characters: a figure with more text than this is a content wrapper
CAPTION_BOX = 500     # an image, its caption and its credit
SMALL_LABEL = 300     # a byline, a credit, an author line
POLL_BOX = 900        # a question and its answers
LINK_BOX = 3000       # a "Weitere Artikel" list with its teasers
COMMENT_BOX = 2500    # a forum teaser: a few readers' posts
SHOP_BOX = 1200
AD_SLOT = 120         # an ad placeholder's own text ("Anzeige")
LONG_PARAGRAPH = 25   # words: a box holding a paragraph this long is part of the article

_MEDIA = ("img", "picture", "video", "iframe", "svg")
_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:(?:foto|fotos|bild|bilder|quelle|bildquelle|bildnachweis|grafik|video|illustration)\s*(?::|©)|"
    r"©|\(c\)|copyright\b)\s*\S.{0,100}$|^(?:beitragsbild|titelbild|symbolbild|archivbild|vorschaubild)\b.{0,100}$",
    re.IGNORECASE,
)
# Class, id, type and test-id words that name a box. Captions are often part of a longer
# class name ("bi-photo-caption", "captionText"), so they are found as substrings; the rest
# as whole words, since "ad" or "shop" inside another word means nothing.
_CAPTION_PARTS = ("caption", "credit", "copyright", "bildunterschrift", "bildnachweis", "bildquelle",
                  "imagesource", "image-source", "img-source", "photo-source", "figure-text", "image-text")
_WORD_FAMILIES = {
    "byline": frozenset("author authors autor autoren autorin byline authorshort authorname".split()),
    "poll": frozenset("poll polls umfrage voting survey quiz".split()),
    "forum": frozenset("comment comments kommentare forum leserkommentar leserkommentare discussion community".split()),
    "shop": frozenset("shop angebot angebote deal deals product produkt productbox produktbox affiliate commerce "
                      "kaufempfehlung".split()),
    "ad slot": frozenset("ad ads advert advertisement anzeige werbung banner dfp outbrain taboola adslot "
                         "adcontainer mrec billboard".split()),
    "footnotes": frozenset("footnote footnotes fussnote fussnoten fußnote fußnoten endnote endnotes".split()),
}
_FAMILY_LIMITS = {"byline": SMALL_LABEL, "poll": POLL_BOX, "forum": COMMENT_BOX, "shop": SHOP_BOX,
                  "ad slot": AD_SLOT, "footnotes": COMMENT_BOX}
_FAMILY_PARAGRAPHS = {"byline": 0, "poll": 0, "forum": 2, "shop": 0, "ad slot": 0, "footnotes": 0}
_MARKER_WORD = re.compile(r"[^a-z0-9äöü]+")


def marker_family(marker: str) -> str:
    """The box family a class/id/type marker names, or ""."""
    low = marker.lower()
    if any(part in low for part in _CAPTION_PARTS):
        return "caption"
    words = set(_MARKER_WORD.split(low))
    for family, names in _WORD_FAMILIES.items():
        if words & names:
            return family
    return ""


_CREDIT_STARTS = ("(", "©", "foto", "bild", "quelle", "grafik", "video", "illustration", "copyright", "beitragsbild",
                  "titelbild", "symbolbild", "archivbild", "vorschaubild")
_BOX_HEADING_STARTS = ("weitere artikel", "weitere nachrichten", "weitere themen", "weitere beiträge",
                       "weitere meldungen", "weitere news", "mehr zum thema", "mehr aus", "mehr zu", "mehr von",
                       "das könnte", "lesen sie", "auch interessant", "empfehl", "meistgelesen", "top-themen",
                       "top themen", "topthemen", "verwandte", "zum thema", "themen", "beiträge aus",
                       "aus dem forum", "kommentar", "leserkommentar", "diskutieren", "diskussion", "newsletter",
                       "unser newsletter", "jetzt abonnieren", "jetzt anmelden", "abonnieren", "anmelden", "umfrage",
                       "abstimmung", "ihre meinung", "angebot", "shop", "deal")
_BOX_HEADING = re.compile(
    r"^(weitere (artikel|nachrichten|themen|beiträge|meldungen|news)|mehr zum thema|mehr (aus|zu|von) .{1,40}|"
    r"das könnte (sie|dich) (auch )?interessieren|lesen sie (auch|mehr)|auch interessant|empfehlungen?|"
    r"meistgelesen(e artikel)?|top-?themen|verwandte (artikel|themen)|zum thema|themen|"
    r"beiträge aus dem forum|aus dem forum|(leser)?kommentare|diskutieren sie mit|diskussion|"
    r"newsletter.{0,40}|unser newsletter.{0,40}|(jetzt )?(abonnieren|anmelden)|"
    r"umfrage|abstimmung|ihre meinung( ist gefragt)?|angebote?|shop|deals?)\s*:?$",
    re.IGNORECASE,
)


def _long_paragraphs(box: Any) -> int:
    return sum(1 for p in box.iter("p") if len(_text(p).split()) >= LONG_PARAGRAPH)


def _small(limit: int) -> Any:
    return lambda box: len(_text(box)) <= limit and _long_paragraphs(box) <= 1


def _marker(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''} {el.get('type') or ''} {el.get('data-testid') or ''}"


def _letters(text: str | None) -> int:
    # str.count runs in C; a regex substitution over a page's inline JSON does not.
    if not text:
        return 0
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")


def text_sizes(tree: Any) -> dict[Any, int]:
    """Non-space characters of every element's text, in one pass (asking each element for
    its text costs a walk of its whole subtree). A lower bound of its cleaned text length,
    so ``sizes[el] > limit`` safely rules an element out."""
    sizes: dict[Any, int] = {}

    def walk(el: Any) -> int:
        n = _letters(el.text)
        for child in el:
            n += walk(child) + _letters(child.tail)
        sizes[el] = n
        return n

    root = tree.getroot() if hasattr(tree, "getroot") else tree
    walk(root)
    return sizes


def more_boxes(tree: Any) -> list[tuple[str, Any]]:
    """(family, box) for captions, credits, bylines, polls, forum teasers, link lists, shop
    boxes and ad slots."""
    found: list[tuple[str, Any]] = []
    sizes = text_sizes(tree)
    for el in tree.xpath("//body//figure | //body//figcaption"):
        # A quote set as a figure is article text (a pull quote); only its attribution goes.
        if el.tag == "figure" and el.xpath(".//blockquote | .//q"):
            continue
        if 0 < sizes.get(el, 0) <= FIGURE_TEXT and _long_paragraphs(el) == 0:
            found.append(("figure", el))
    for el in tree.xpath("//body//*[@class or @id or @type or @data-testid]"):
        # Empty elements (icons, placeholders) are silent anyway; removing them only moves
        # the generic extractor's idea of where the article is.
        if el.tag in _NEVER or not isinstance(el.tag, str) or not 0 < sizes.get(el, 0) <= COMMENT_BOX:
            continue
        family = marker_family(_marker(el))
        if not family:
            continue
        limit = CAPTION_BOX if family == "caption" else _FAMILY_LIMITS[family]
        if sizes.get(el, 0) > limit or len(_text(el)) > limit:
            continue
        if family == "ad slot" and el.xpath(".//p"):
            continue  # a wrapper that merely carries an ad class around text
        if _long_paragraphs(el) <= _FAMILY_PARAGRAPHS.get(family, 0):
            found.append((family, el))
    # A credit line beside an image, in markup without <figure>: the image's box goes with
    # the caption beside it ("Deutschlands Handel ... zurückgegangen." + "Quelle: AFP").
    for el in tree.iter("div", "span", "small", "p", "em", "i"):
        if sizes.get(el, 0) > 120 or not _first_text(el).startswith(_CREDIT_STARTS):
            continue
        own = _text(el)
        if own and len(own) <= 120 and _CREDIT_LINE.match(own):
            box = el
            parent = el.getparent()
            while parent is not None and parent.tag not in _NEVER and sizes.get(parent, 0) <= CAPTION_BOX \
                    and len(_text(parent)) <= CAPTION_BOX:
                box = parent
                if any(True for _ in box.iter(*_MEDIA)):
                    break
                parent = box.getparent()
            found.append(("caption", box if any(True for _ in box.iter(*_MEDIA)) else el))
    # A poll: radio buttons under a question.
    for el in tree.xpath("//body//input[@type='radio']"):
        found.append(("poll", _climb(el, lambda p: sizes.get(p, 0) <= POLL_BOX and _small(POLL_BOX)(p))))
    # A box announced by its heading: related links, forum, newsletter, poll, shop.
    for el in tree.iter("h2", "h3", "h4", "h5", "strong", "p", "span", "div"):
        if sizes.get(el, 0) > 60 or not _first_text(el).startswith(_BOX_HEADING_STARTS):
            continue
        own = _text(el)
        if len(own) > 60 or not _BOX_HEADING.match(own) or el.xpath(".//h2|.//h3|.//p|.//div"):
            continue
        box = _climb(el, lambda p: sizes.get(p, 0) <= LINK_BOX and len(_text(p)) <= LINK_BOX
                     and _long_paragraphs(p) == 0)
        if box is not el:
            found.append(("box", box))
    found += ad_label_boxes(tree, sizes) + teaser_cards(tree, sizes) + footnote_marks(tree)
    return found


AD_BOX = 600  # characters: an ad set as text is its label and a sentence or two
_AD_LABEL = re.compile(r"^(anzeige|werbung|sponsored|advertorial|promotion)$", re.IGNORECASE)


def ad_label_boxes(tree: Any, sizes: dict[Any, int]) -> list[tuple[str, Any]]:
    """An ad set as text: the label "Anzeige" and the offer below it, in one small box. The box
    is climbed only while it stays small and holds no long paragraph, so a label set straight
    into the article's container takes only itself."""
    found = []
    for el in tree.iter("span", "div", "p", "small", "strong", "b", "em"):
        if sizes.get(el, 0) > 12 or not _AD_LABEL.match(_text(el)):
            continue
        found.append(("ad slot", _climb(el, lambda p: sizes.get(p, 0) <= AD_BOX and len(_text(p)) <= AD_BOX
                                        and _long_paragraphs(p) == 0)))
    return found


TEASER_CARDS = 2  # sibling boxes, each a linked headline, that make a list of other articles


# A link to another page (an in-page anchor on a subheading is no teaser) around or inside a heading.
_LINKED_HEADING = etree.XPath(
    ".//a[@href][not(starts-with(@href, '#'))][.//h2 or .//h3 or .//h4]"
    " | .//*[self::h2 or self::h3 or self::h4][.//a[@href][not(starts-with(@href, '#'))]]")


def _linked_heading(el: Any) -> bool:
    return bool(_LINKED_HEADING(el))


def teaser_cards(tree: Any, sizes: dict[Any, int]) -> list[tuple[str, Any]]:
    """Teasers of other articles: a box of sibling cards, each a linked headline and a short
    text, none with a paragraph as long as an article's."""
    found = []
    for box in tree.xpath("//body//*[count(*) >= 2]"):
        if box.tag in _NEVER or sizes.get(box, 0) > LINK_BOX:
            continue
        cards = [c for c in box if isinstance(c.tag, str)]
        if sum(_linked_heading(c) for c in cards) < max(TEASER_CARDS, len(cards) - 1):
            continue
        if _long_paragraphs(box) or len(_text(box)) > LINK_BOX:
            continue
        found.append(("teasers", box))
    return found


_FOOTNOTE_MARK = re.compile(r"^\[?\(?(\d{1,3}|\*{1,3}|[a-z])\)?\]?$")


def footnote_marks(tree: Any) -> list[tuple[str, Any]]:
    """Footnote markers (a superscript linking into the page): a listener would hear "eins"
    glued to the word. A superscript without such a link ("m²") is text and stays."""
    found = []
    for sup in tree.iter("sup"):
        if _FOOTNOTE_MARK.match(_text(sup)) and (
                sup.xpath(".//a[starts-with(@href, '#')]") or sup.xpath("ancestor::a[starts-with(@href, '#')]")):
            found.append(("footnote mark", sup))
    return found

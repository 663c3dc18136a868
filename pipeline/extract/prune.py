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

from .meta import clean_space

# A button or link that is the whole call to action of an appeal box.
_CTA = re.compile(
    r"^(jetzt |hier )?(unterstützen|spenden|mitglied werden|abonnieren|abo abschließen|bestellen|"
    r"(kostenlos |gratis )?testen)!?$",
    re.IGNORECASE,
)
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
# A drop cap: the paragraph's first letter in its own styled element ("N" + " a endlich!").
_DROP_CAP_CLASS = re.compile(r"(^|[\s_-])(initial|drop-?cap|versal)", re.IGNORECASE)

APPEAL_BOX = 900  # characters: an appeal box is a headline, a paragraph or two and a button
APPEAL_PARAGRAPHS, PROSE = 3, 120  # prose paragraphs an appeal box may hold, and their length
LABEL_SLACK = 150  # characters a consent widget may add around its placeholder (title, credit)
BIO_BOX = 800


def _text(el: Any) -> str:
    return clean_space(el.text_content())


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
        if _CTA.match(_text(el)):
            found.append(_climb(el, _appeal_sized))
    # A newsletter sign-up box: its e-mail field sits under the newsletter's name and pitch.
    for el in tree.xpath("//body//input[@type='email']"):
        found.append(_climb(el, _appeal_sized))
    for el in tree.iter("div", "span", "p", "strong", "h2", "h3", "h4"):
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


def prune(tree: Any) -> tuple[Any, list[str]]:
    """A copy of ``tree`` without appeal, consent and author boxes, and what was removed."""
    tree = copy.deepcopy(tree)
    join_drop_caps(tree)
    removed: list[str] = []
    for box in _boxes(tree):
        # A box inside one removed before is detached from the page by now.
        top = next(iter(reversed(list(box.iterancestors()))), None)
        if top is not tree:
            continue
        removed.append(_text(box))
        box.drop_tree()
    return tree, removed

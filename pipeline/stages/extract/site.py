"""Applying one site rule to a page: the publisher's own markup decides what is article."""

from __future__ import annotations

from dataclasses import dataclass, field

import soupsieve
from bs4 import BeautifulSoup, Tag

from pipeline.models import Block

from .meta import clean_space
from .rules import Layout, SiteRule


@dataclass
class SiteResult:
    layout: str
    title: str = ""
    kicker: str = ""
    lead: str = ""
    blocks: list[Block] = field(default_factory=list)


def element_text(el: Tag) -> str:
    # <br> separates words visually; without a space two words would be glued together.
    for br in el.find_all("br"):
        br.replace_with(" ")
    return clean_space(el.get_text(""))


def _first(soup: Tag, selector: str) -> str:
    if not selector:
        return ""
    found = soup.select_one(selector)
    return element_text(found) if found is not None else ""


def _is_all_strong(el: Tag) -> bool:
    text = clean_space(el.get_text(""))
    if not text:
        return False
    strong = "".join(s.get_text("") for s in el.find_all(["strong", "b"], recursive=True)
                     if s.find_parent(["strong", "b"]) is None)
    return clean_space(strong) == text


def _apply_layout(soup: BeautifulSoup, layout: Layout) -> SiteResult | None:
    container = soup.select_one(layout.container)
    if container is None:
        return None
    # Header first: the title and kicker may sit outside the container we prune below.
    result = SiteResult(layout=layout.name, title=_first(soup, layout.title),
                        kicker=_first(soup, layout.kicker))
    for selector in layout.exclude:
        for el in container.select(selector):
            el.decompose()
    lead_el = container.select_one(layout.lead) if layout.lead else None
    if lead_el is not None:
        result.lead = element_text(lead_el)
    for el in container.select(layout.blocks):
        if el is lead_el:
            continue
        text = element_text(el)
        if not text:
            continue
        if layout.lead_first_strong and not result.lead and not result.blocks and _is_all_strong(el):
            result.lead = text
            continue
        kind = "heading" if soupsieve.match(layout.headings, el) else "paragraph"
        result.blocks.append(Block(kind, text))
    return result


def apply_rule(html: str, rule: SiteRule) -> SiteResult | None:
    """The first layout of ``rule`` whose container holds text, or None if none fits."""
    soup = BeautifulSoup(html, "lxml")
    for layout in rule.layouts:
        # Only a layout whose container exists may prune the tree, so one parse serves all.
        if soup.select_one(layout.container) is None:
            continue
        result = _apply_layout(soup, layout)
        if result is not None and result.blocks:
            return result
    return None

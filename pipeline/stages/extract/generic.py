"""The generic path for sites without a rule: trafilatura tuned for precision.

We ask for XML output because it keeps subheadings (<head>) apart from paragraphs, which the
plain-text output flattens away.
"""

from __future__ import annotations

from typing import Any

import trafilatura
from lxml import etree

from pipeline.models import Block

from .meta import clean_space


def _blocks_from_xml(xml: str) -> list[Block]:
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return []
    main = root.find("main")
    if main is None:
        return []
    blocks: list[Block] = []
    for el in main:
        if el.tag == "list":
            # A list item reads like a short paragraph; keep each apart so the voice pauses.
            for item in el.iter("item"):
                text = clean_space("".join(item.itertext()))
                if text:
                    blocks.append(Block("paragraph", text))
            continue
        text = clean_space("".join(el.itertext()))
        if not text:
            continue
        blocks.append(Block("heading" if el.tag == "head" else "paragraph", text))
    return blocks


HUGE_PAGE = 1_500_000  # characters; beyond this trafilatura skips its own second extractors


def trafilatura_blocks(html: str, *, recall: bool = False, tree: Any = None) -> list[Block]:
    """Body blocks by trafilatura; ``recall`` trades precision for recall (the second opinion).
    ``tree``: the page already parsed (and pruned, see prune.py); read instead of ``html``."""
    xml = trafilatura.extract(
        html if tree is None else tree,
        # Its internal readability/justext comparison costs seconds per megabyte of DOM.
        fast=len(html) > HUGE_PAGE,
        output_format="xml",
        favor_precision=not recall,
        favor_recall=recall,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    return _blocks_from_xml(xml) if xml else []

"""Skip the feed items a poll has seen before, byte for byte, before feedparser reads them.

feedparser spends ~0.7 ms per item (3.5 s for a 5,000-item feed on this machine's cores); lxml
reads the same feed in 0.1 s. An item whose serialized XML hashes to a value stored for this
feed is unchanged by definition, so only new or edited items are handed to feedparser. Anything
unusual (not well-formed XML, an unknown root) is passed through whole: feedparser copes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
# No entities, no network, no huge trees: the feed is hostile input like any other.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


@dataclass
class Scan:
    """What one feed body held: every item's hash, and for new items the guid/link they go by."""

    total: int = 0
    known: int = 0
    hash_by_key: dict[str, str] = field(default_factory=dict)

    def item_hash(self, guid: str, url: str) -> str | None:
        return self.hash_by_key.get(guid) or self.hash_by_key.get(url)


def _items(root: etree._Element) -> list[etree._Element] | None:
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == "rss":
        return [i for ch in root.findall("channel") for i in ch.findall("item")]
    if tag == f"{_ATOM}feed":
        return root.findall(f"{_ATOM}entry")
    if tag.endswith("}RDF"):
        return root.findall(f"{_RSS1}item")
    return None


def _keys(item: etree._Element) -> list[str]:
    """The texts feedparser may take as the entry's guid: id/guid, then the link."""
    keys = []
    for path in ("guid", f"{_ATOM}id", "link", f"{_RSS1}link"):
        text = (item.findtext(path) or "").strip()
        if text:
            keys.append(text)
    for link in item.findall(f"{_ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            keys.append(link.get("href", "").strip())
    about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    if about:
        keys.append(about.strip())
    return keys


def unseen_items(body: bytes, known: Callable[[list[str]], set[str]], scan: Scan) -> bytes:
    """``body`` without the items whose hash ``known`` reports as stored; fills ``scan``."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError:
        return body
    items = _items(root) if root is not None else None
    if not items:
        return body
    hashes = [hashlib.sha256(etree.tostring(item)).hexdigest() for item in items]
    seen = known(hashes)
    scan.total = len(items)
    for item, digest in zip(items, hashes, strict=True):
        if digest in seen:
            scan.known += 1
            item.getparent().remove(item)
        else:
            for key in _keys(item):
                scan.hash_by_key.setdefault(key, digest)
    if not scan.known:
        return body
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")

"""Headline and kicker from page metadata when no site rule names them.

Pages spread the headline over <h1>, og:title, JSON-LD headline and <title>, with the site
name glued on and the kicker sometimes in front ("Kicker: Titel"). The <h1> is what a reader
sees, so it wins when it agrees with a metadata title.
"""

from __future__ import annotations

import re

from .lines import SECTION_LABELS
from .meta import PageMeta, clean_space

_SITE_SEP = re.compile(r"\s+[|–—-]\s+|\s+[|·]\s*")


def strip_site(title: str, site_name: str = "") -> str:
    """"Titel - n-tv.de" -> "Titel": drop a trailing (or leading) site-name part."""
    parts = [p for p in _SITE_SEP.split(title) if p.strip()]
    if len(parts) < 2:
        return title.strip()
    site = site_name.casefold()
    def is_site(part: str) -> bool:
        p = part.casefold().strip()
        return bool(site and (site in p or p in site)) or bool(
            re.search(r"\.(de|at|ch|com|lu|li|net|org)\b|online|zeitung|nachrichten|news", p)
        ) and len(p) < 40
    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    return " - ".join(parts).strip()


def split_kicker(full: str, headline: str) -> str:
    """The kicker in ``full`` when ``full`` is "Kicker: headline" (or "Kicker headline")."""
    full, headline = clean_space(full), clean_space(headline)
    if not headline or full == headline or not full.endswith(headline):
        return ""
    return full[: -len(headline)].strip().rstrip(":-–—|/· ").strip()


def pick_title(meta: PageMeta) -> tuple[str, str]:
    """(title, kicker) from the page metadata. A section name ("Kultur") is no kicker."""
    title, kicker = _pick_title(meta)
    if kicker.casefold() in SECTION_LABELS:
        kicker = ""
    return title, kicker


def _pick_title(meta: PageMeta) -> tuple[str, str]:
    og = strip_site(meta.og_title, meta.site_name)
    page = strip_site(meta.title, meta.site_name)
    ld = meta.ld_headline
    metas = [t for t in (og, ld, page) if t]
    h1 = next((h for h in meta.h1 if len(h.split()) >= 2), meta.h1[0] if meta.h1 else "")
    title = ""
    if h1 and any(h1.casefold() in m.casefold() or m.casefold() in h1.casefold() for m in metas):
        title = h1
    title = title or og or ld or page or h1
    if meta.h1_kicker and title == h1:
        # The page sets its kicker apart inside the <h1>: the clearest split there is.
        return meta.h1_headline, meta.h1_kicker
    # A headline that ends a longer metadata title had a kicker in front of it.
    kicker = ""
    for full in [*metas, *meta.h1]:
        kicker = split_kicker(full, title)
        if kicker and len(kicker.split()) <= 8:
            break
        kicker = ""
    # An <h1> that carries "Kicker: Titel" itself: keep the parts apart.
    if not kicker and ": " in title:
        for full in metas:
            if full != title and title.endswith(full):
                kicker, title = split_kicker(title, full), full
                break
    return title, kicker

"""Turning page bytes into text when the declared charset may be wrong.

German pages labelled UTF-8 are sometimes Latin-1/cp1252 in truth; a strict decode of the
declared charset that fails falls back to the page's own <meta charset>, then UTF-8, then
cp1252 (which maps every byte, so decoding never fails and umlauts survive).
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def sniff_meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def decode_html(data: bytes, declared: str | None = None) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    tried: list[str] = []
    for name in (_codec(declared), sniff_meta_charset(data), "utf-8"):
        if name is None or name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")

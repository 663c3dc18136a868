"""Turning page bytes into text when the declared charset may be wrong.

A label (the HTTP header or the page's own <meta charset>) is a claim; the bytes are the fact.
In this order:

1. A byte order mark names the encoding outright.
2. Bytes that are valid UTF-8 and not plain ASCII are UTF-8, whatever the label says: German
   pages labelled iso-8859-1 that send UTF-8 would otherwise be spoken as "GrÃ¼Ãe". Latin-1 or
   cp1252 text practically never forms valid multi-byte UTF-8 by accident ("Ã¼" is no German).
3. The header's charset, then the <meta> one, when the bytes decode under it without error. The
   labels iso-8859-1 and us-ascii are read as windows-1252, as every browser does (WHATWG
   Encoding Standard): pages so labelled use its „“–€ in 0x80-0x9F, where true Latin-1 has only
   control characters.
4. No label fits: windows-1252 when charset-normalizer finds it a plausible reading (it is the
   legacy encoding of German pages, and browsers in a German locale fall back to it), else the
   detector's best guess. The detector alone misreads many German cp1252 pages as mac_roman or
   cp1250 (a few umlauts are too little evidence), hence it is asked about cp1252 first.
5. Nothing decodes: cp1252 with replacement characters (it maps every byte but five).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
# Labels a browser decodes as windows-1252 (codec names as codecs.lookup spells them).
_READ_AS_CP1252 = {"latin-1", "iso8859-1", "ascii"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


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


def _strict(data: bytes, codec: str) -> str | None:
    """``data`` decoded as ``codec`` without a single error, or None."""
    candidates = ("cp1252", codec) if codec in _READ_AS_CP1252 else (codec,)
    for name in candidates:
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    return None


def _detected(data: bytes) -> str | None:
    """What charset-normalizer makes of bytes no label fits (see the module's step 4)."""
    if charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best() is not None:
        return data.decode("cp1252", errors="replace")
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else None


def decode_html(data: bytes, declared: str | None = None) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    if not data.isascii():
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    tried: list[str] = []
    for name in (_codec(declared), sniff_meta_charset(data)):
        if name is None or name in tried:
            continue
        tried.append(name)
        text = _strict(data, name)
        if text is not None:
            return text
    if data.isascii():
        return data.decode("ascii")
    return _detected(data) or data.decode("cp1252", errors="replace")

"""Never speak code: a page's scripts, style sheets and data blobs are not article text.

Two lines of defence. ``strip_code`` removes the elements that hold code (``<script>``,
``<style>``, ``<noscript>``, ``<template>``) from the parsed page before any path reads
text from it: a lead found by class name or after the headline reads ``text_content()``, which
includes a script's text (a teaser ``<div>`` holding only ``var view_config = {...}`` was
read out). ``looks_like_code`` is the guard at the exit of extraction: whatever path found a
block (a site rule, JSON-LD articleBody, a page that writes JSON into a ``<div>``), a block with
the signature of JavaScript, JSON or CSS is dropped.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.models import Block

CODE_ELEMENTS = ("script", "style", "noscript", "template")

# Signatures no German prose carries; each one alone marks a block as code.
_SIGNATURES = re.compile(
    "|".join(
        (
            r"\{\s*\"[@\w$.-]+\"\s*:",                                  # a JSON object: {"@context": ...
            r"\[\s*\{\s*\"",                                            # a JSON array of objects
            r"\b(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*=(?!=)",         # var view_config = ...
            r"\bfunction\s*[\w$]*\s*\([^()]*\)\s*\{",                   # function init() {
            r"\b(?:window|document|self|globalThis)\.[A-Za-z_$][\w$.]*\s*(?:=|\()",  # window.x = / document.write(
            r"\bwindow\.__\w+",                                         # window.__INITIAL_STATE__
            r"\b__[A-Z][A-Z0-9_]{2,}__\s*=",                            # __NEXT_DATA__ =
            r"=>\s*[{(]",                                               # arrow functions
            r"\}\s*\)\s*\(\s*\)\s*;?",                                  # })(); an immediately called function
            r"(?:^|[\s};])[.#]?[A-Za-z_-][\w\s.#:>,*\[\]=\"'-]{0,80}\{\s*[\w-]+\s*:\s*[^;{}]+;",  # .box{color:red;
            r"@(?:media|import|font-face|keyframes|charset)\b",         # CSS at-rules
            r"!important\b",
            r"</?(?:script|style|noscript|template|div|span|iframe)\b[^>]*>",  # markup left as text
        )
    ),
    re.IGNORECASE,
)


def looks_like_code(text: str) -> bool:
    """Whether ``text`` carries a JavaScript, JSON or CSS signature."""
    return bool(text) and _SIGNATURES.search(text) is not None


def _json_ld(el: Any) -> bool:
    return el.tag == "script" and (el.get("type") or "").strip().lower() == "application/ld+json"


def strip_code(tree: Any, *, keep_json_ld: bool = False) -> int:
    """Remove code-holding elements from ``tree`` in place (the text after each stays); a
    declarative shadow root (``<template shadowrootmode>``) is rendered content and is unwrapped.
    ``keep_json_ld``: leave the JSON-LD scripts for the page's metadata to be read first (the
    headline must be read without the scripts, some sites put one inside the <h1>).
    Returns how many were removed."""
    removed = 0
    for el in list(tree.iter(*CODE_ELEMENTS)):
        if el.getparent() is None or (keep_json_ld and _json_ld(el)):
            continue
        if el.tag == "template" and el.get("shadowrootmode"):
            el.drop_tag()
            continue
        el.drop_tree()
        removed += 1
    return removed


def drop_code_blocks(blocks: list[Block]) -> tuple[list[Block], int]:
    """The blocks without those that look like code, and how many went."""
    kept = [b for b in blocks if not looks_like_code(b.text)]
    return kept, len(blocks) - len(kept)


def without_code(text: str) -> str:
    """``text``, or "" when it looks like code (a lead, a title)."""
    return "" if looks_like_code(text) else text

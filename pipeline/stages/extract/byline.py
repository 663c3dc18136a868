"""A byline glued to the article's first sentence: "Von Max Mustermann Berlin – Die Regierung ...".

Pages set the byline and the place in bold inside the lead paragraph; an extractor hands the
whole paragraph back. The byline is recorded as the author and not spoken; the sentence after
the dash is the lead.
"""

from __future__ import annotations

import re

from pipeline.models import Block

_NAME_WORD = r"[A-ZÄÖÜ][\w.'’-]*"
# "Von" + two to six capitalised words (name, then maybe the place) + a dash + the sentence.
_GLUED = re.compile(
    rf"^(?:[Vv]on|VON|[Bb]y)\s+(?P<who>{_NAME_WORD}(?:(?:\s+|\s*,\s*|\s+und\s+|\s*/\s*){_NAME_WORD}){{1,5}})"
    r"\s*[–—-]\s+(?P<rest>[„“\"»A-ZÄÖÜ0-9].{20,})$",
    re.DOTALL,
)


def _name(who: str) -> str:
    """The author's name in ``who`` (name and place): a place follows a comma, or is the last
    word after a name of at least two words."""
    if "," in who:
        return who.split(",", 1)[0].strip()
    words = who.split()
    if any(w == "und" for w in words):
        return who
    return " ".join(words[:-1]) if len(words) >= 3 else who


def split_byline(text: str) -> tuple[str, str]:
    """(text without a glued byline, the author's name or "")."""
    match = _GLUED.match(text.strip())
    if match is None:
        return text, ""
    return match.group("rest").strip(), _name(match.group("who"))


def drop_glued_byline(lead: str, blocks: list[Block]) -> tuple[str, list[Block], str]:
    """Lead and blocks without the byline glued to the first of them, and the author's name."""
    if lead:
        lead, author = split_byline(lead)
        return lead, blocks, author
    if blocks and blocks[0].kind == "paragraph":
        text, author = split_byline(blocks[0].text)
        if author:
            return lead, [Block("paragraph", text), *blocks[1:]], author
    return lead, blocks, ""

"""News agency codes in brackets ("Berlin (dpa) - ...", "(epd)", "(AFP/Reuters)"): dropped.

They credit the source for editors; a newsreader never says them, and read aloud they are
noise ("Deh-Peh-Ah") where the dateline should flow into the story. Where the code stood
between the dateline and the text, a pause is left in its place.
"""

from __future__ import annotations

import re

# Agencies in German news copy, as they write their own codes (case matters: "(ap)" is
# rarely the agency, "(AP)" is). Regional services follow a slash: "(dpa/lnw)".
AGENCIES = (
    "dpa", "dpa-AFX", "dpa-tmn", "tmn", "epd", "AFP", "afp", "AP", "Reuters", "rtr", "KNA", "kna",
    "sid", "SID", "dts", "APA", "apa", "SDA", "sda", "Keystone-SDA", "KAP", "kap", "idea", "ots", "AFX",
    "ANSA", "EFE", "TASS", "Xinhua", "red", "mit Material von dpa",
)
_AGENCY = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))
# The code, with further agencies or regional services after slashes or commas, and the
# space before it. Starts with the bracket it consumes (see scan.py).
_CODE = re.compile(rf"\((?:{_AGENCY})(?:\s*[/,]\s*(?:{_AGENCY}|[a-z]{{2,4}}))*\)")
_SPACE_BEFORE = re.compile(r"[ \t]+$")


def drop_agency_codes(text: str) -> str:
    """'Berlin (epd) Die Kirche' -> 'Berlin, Die Kirche'; '... warnt. (dpa)' -> '... warnt.'"""
    if "(" not in text:
        return text
    out, done = [], 0
    for m in _CODE.finditer(text):
        head = _SPACE_BEFORE.sub("", text[done : m.start()])
        done = m.end()
        after = text[done:].lstrip(" \t")[:1]
        if not head or head.endswith("\n"):
            # At a line's start the code goes with the space after it.
            done = len(text) - len(text[done:].lstrip(" \t"))
        elif head[-1].isalnum() and (after.isalnum() or after in "„\"»"):
            # A word before and text after: the code stood in a pause (a dash keeps its own).
            head += ","
        out.append(head)
    return "".join(out) + text[done:]

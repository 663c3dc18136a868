"""Keep decided text away from later rules.

The lexicon's output is final: "Ah-Err-Deh" must not be respelled, "n-tv" must not be read
as a range. Each decided piece is swapped for one private-use character while the rules run
and swapped back at the end. Private-use characters are not word characters, so they also
mark word boundaries correctly for the rules around them.
"""

from __future__ import annotations

import re

BASE = 0xE000
LIMIT = 0xF8FF - BASE
_ANY = re.compile("[\ue000-\uf8ff]")
# Input may also hold plane 15/16 private-use characters, which marks.py uses internally.
_ANY_PRIVATE = re.compile("[\ue000-\uf8ff\U000F0000-\U0010FFFF]")


class Vault:
    def __init__(self) -> None:
        self.items: list[str] = []

    def put(self, text: str) -> str:
        if len(self.items) >= LIMIT:
            return text  # absurdly many pieces: let the rules see the rest
        self.items.append(text)
        return chr(BASE + len(self.items) - 1)

    def restore(self, text: str) -> str:
        if not self.items:
            return text
        return _ANY.sub(lambda m: self._get(m.group(0)), text)

    def _get(self, c: str) -> str:
        i = ord(c) - BASE
        return self.items[i] if i < len(self.items) else ""


def strip_private(text: str) -> str:
    """Input text may itself hold private-use characters; they mean nothing to a voice."""
    return _ANY_PRIVATE.sub("", text)

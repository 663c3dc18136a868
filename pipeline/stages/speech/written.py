"""Map spoken sentences back to the sentences the article wrote.

Transcripts and read-along show what the article says ("ISW"), not what the voice says
("Ih-Ess-Weh"). Normalising rewrites a block as a whole (numbers, abbreviations, dots) and
only then cuts it into sentences, so the spoken sentences carry no offsets into the written
text. Instead the written block is cut at its own likely sentence ends, each written piece is
normalised alone, and pieces are matched to spoken sentences by their letters. A written cut
that normalising does not agree with (an abbreviation's dot, a rule that reads across the
cut) is healed by joining that piece with the next until both sides match.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A likely sentence end in written German: . ! ? (closing quotes/brackets may follow), space,
# then something that can start a sentence. Abbreviations ("Dr. Müller") also match; the
# matching below joins such pieces again.
_WRITTEN_END = re.compile(r"[.!?…][\"'»«“”)\]]*\s+(?=[\"'»«„“(\[]?[A-ZÄÖÜ0-9])")
_NOT_LETTER = re.compile(r"[\W_]+")
# Join at most this many written pieces when looking for a match: a block whose
# normalisation never lines up falls back to one shared written text, without quadratic work.
MAX_JOIN = 12


def written_sentences(text: str) -> list[str]:
    """The block cut at its likely sentence ends, whitespace tidied."""
    text = " ".join(text.split())
    out, start = [], 0
    for m in _WRITTEN_END.finditer(text):
        out.append(text[start : m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _key(text: str) -> str:
    return _NOT_LETTER.sub("", text).lower()


def align(
    written: list[str], spoken: list[str], speak: Callable[[str], list[str]]
) -> list[str]:
    """For each spoken sentence, the written sentence(s) it came from.

    ``speak`` turns one written piece into its spoken sentences (the same normalisation the
    block went through). Spoken sentences that no written piece lines up with share the rest of
    the written block, so nothing is ever shown in its spoken form.
    """
    out: list[str] = []
    i = j = 0
    while j < len(spoken):
        if i >= len(written):
            out.extend([out[-1] if out else ""] * (len(spoken) - j))
            break
        matched = False
        for n in range(1, min(MAX_JOIN, len(written) - i) + 1):
            text = " ".join(written[i : i + n])
            target = _key(" ".join(speak(text)))
            got, k = "", j
            while k < len(spoken) and len(got) < len(target):
                got += _key(spoken[k])
                k += 1
            if got == target and k > j:
                out.extend([text] * (k - j))
                i, j, matched = i + n, k, True
                break
        if not matched:
            rest = " ".join(written[i:])
            out.extend([rest] * (len(spoken) - j))
            break
    return out

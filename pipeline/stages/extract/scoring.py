"""Measuring an extraction against ground truth: token and shingle F1 over what is heard.

Both the fundus regression test and the benchmark use these, so the floor in the test and
the number in the benchmark table are the same measurement.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_WORD = re.compile(r"\w+", re.UNICODE)


_INVISIBLE = dict.fromkeys(map(ord, "\xad\u200b\u200c\u200d\u2060\ufeff"))


def tokens(text: str) -> list[str]:
    # Case-folded word tokens: punctuation and quote styles differ between pages and ground
    # truth without changing what a listener hears; soft hyphens and zero-width characters
    # are invisible, so they must not split a word.
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    return [t.casefold() for t in _WORD.findall(text)]


def shingles(words: list[str], n: int = 4) -> list[tuple[str, ...]]:
    if len(words) < n:
        return [tuple(words)] if words else []
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


@dataclass(frozen=True)
class Overlap:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        if self.precision + self.recall == 0:
            return 0.0
        return 2 * self.precision * self.recall / (self.precision + self.recall)


def overlap(got: Iterable, want: Iterable) -> Overlap:
    """Multiset overlap, so a sentence repeated on purpose counts twice and a leak counts."""
    g, w = Counter(got), Counter(want)
    common = sum((g & w).values())
    n_got, n_want = sum(g.values()), sum(w.values())
    if n_got == 0 and n_want == 0:
        return Overlap(1.0, 1.0)
    return Overlap(common / n_got if n_got else 0.0, common / n_want if n_want else 0.0)


def token_overlap(got: str, want: str) -> Overlap:
    return overlap(tokens(got), tokens(want))


def shingle_overlap(got: str, want: str, n: int = 4) -> Overlap:
    # Shingles are built per paragraph-joined stream; order inside the text matters here,
    # which token F1 cannot see.
    return overlap(shingles(tokens(got), n), shingles(tokens(want), n))


def ground_truth_body(gt: dict) -> str:
    """The lead, subheadings and paragraphs of a fundus ground-truth record, in order."""
    parts: list[str] = list(gt.get("summary") or [])
    for section in gt.get("sections") or []:
        parts.extend(section.get("headline") or [])
        parts.extend(section.get("paragraphs") or [])
    return "\n\n".join(parts)


# --- the fundus ground-truth set, shared by the regression test and the benchmark -------------


@dataclass(frozen=True)
class FundusPage:
    name: str
    url: str
    publisher: str
    html: bytes
    truth: dict


def load_fundus(root: Path) -> list[FundusPage]:
    """Every page listed in ``root/index.json``; the HTML is stored gzipped beside it."""
    pages = []
    for entry in json.loads((root / "index.json").read_text(encoding="utf-8")):
        html = gzip.decompress((root / (entry["file"] + ".gz")).read_bytes())
        truth = json.loads((root / entry["ground_truth"]).read_text(encoding="utf-8"))
        pages.append(FundusPage(entry["file"], entry["url"], entry["publisher"], html, truth))
    return pages


def article_body(lead: str, blocks: Iterable[str]) -> str:
    return "\n\n".join(p for p in (lead, *blocks) if p)


def stray_parts(parts: list[str], reference: str, threshold: float = 0.5) -> list[str]:
    """Parts whose words mostly do not occur in ``reference``: leaks one way, misses the other."""
    ref = Counter(tokens(reference))
    stray = []
    for part in parts:
        words = tokens(part)
        if words and sum(w in ref for w in words) / len(words) < threshold:
            stray.append(part)
    return stray

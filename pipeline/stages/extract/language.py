"""Which language an article is in: what the page declares, checked against the text.

The stopword test is cheap and good enough for the one question the pipeline asks: is this
German (the voice is German) or not. Pages do mislabel themselves, so a confident reading of
the text wins over the declaration.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Short function words that are frequent in running text and rare in the other languages.
STOPWORDS: dict[str, frozenset[str]] = {
    "de": frozenset("der die das und ist nicht mit sich des auf für ein eine einen dem den zu von "
                    "im auch es sie wird wurde sind bei nach aus wie über noch hat haben werden "
                    "oder aber als dass einer zum zur vom wir ich er man nur schon".split()),
    "en": frozenset("the and of to is in that it for was on are with as his they be at by this "
                    "have from or had not but which were has been would their will said".split()),
    "fr": frozenset("le la les et est une des du en que qui dans pour pas sur au avec sont il elle "
                    "ce cette nous vous mais ont été".split()),
    "es": frozenset("el la los las y es una del en que por con para se su al lo como más pero "
                    "sus fue ha son".split()),
    "it": frozenset("il lo la gli le e è una del della che per con non sono di da nel alla anche "
                    "come più ma".split()),
    "nl": frozenset("de het een en van is dat op te in voor niet met zijn er maar ook als bij door "
                    "naar wordt werd".split()),
}

MIN_WORDS = 30  # below this the text is too short to overrule the page's declaration


def normalise(tag: str) -> str:
    """"de-DE", "de_AT", "German" -> "de"; anything unreadable -> ""."""
    tag = tag.strip().lower()
    if tag in ("german", "deutsch"):
        return "de"
    match = re.match(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", tag)
    return match.group(1) if match else ""


def guess(text: str) -> tuple[str, float]:
    """The language whose stopwords cover the most words, and that share (0 for no text)."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return "", 0.0
    scores = {lang: sum(w in stops for w in words) / len(words) for lang, stops in STOPWORDS.items()}
    lang = max(scores, key=lambda k: scores[k])
    return (lang, scores[lang]) if scores[lang] >= 0.08 else ("", scores[lang])


def detect(text: str, hints: list[str]) -> tuple[str, str]:
    """(language, note). ``hints`` are the page's declarations in order of trust."""
    declared = next((n for n in (normalise(h) for h in hints if h) if n), "")
    read, _ = guess(text)
    if read and declared and read != declared:
        return read, f"language: page declares {declared!r}, text reads {read!r}"
    return (declared or read), ""

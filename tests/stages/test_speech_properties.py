"""Properties of the speech stage that hold for any input (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.stages.speech import Lexicon, normalize
from pipeline.stages.speech.abbreviations import load as load_abbreviations
from pipeline.stages.speech.acronyms import load as load_acronyms
from pipeline.stages.speech.quantities import UNITS

NO_LEXICON = Lexicon()
FORBIDDEN = re.compile(r"[§%€$]")

# Pieces that exercise the rules: numbers in every shape, signs, abbreviations, dates.
TOKENS = [
    "3.400", "7,1", "-5", "20–25", "1989", "2024.", "17.", "3.10.1990", "8:45", "Uhr", "1:1",
    "5 %", "%", "€", "$", "§", "§ 218", "Abs.", "Art.", "Mio.", "Mrd.", "Tsd.", "km/h", "°C",
    "80er-Jahre", "Karl", "V.", "XIV.", "z.B.", "usw.", "(ISW)", "„", "“", "–", "…", "😀",
    "https://www.tagesschau.de/x", "a@b.de", "0171", "1.", "½", "²", "٣", "Ⅻ", "12345678901234567",
    "A380", "G7", "1,5", "3.", "10 000", "+3", "−2", "Nr.", "1.000.000,50", "99.",
]
separators = st.sampled_from([" ", "  ", ", ", ". ", "\n", "\n\n", "-", "/", ""])
pieces = st.one_of(st.sampled_from(TOKENS), st.text(max_size=8), st.integers().map(str))
texts = st.lists(st.tuples(pieces, separators), max_size=25).map(lambda xs: "".join(a + b for a, b in xs))

_UNIT_WORDS = {k.lower().rstrip(".") for k in UNITS}
_SPECIAL = (
    {a.written.split()[0].lower().rstrip(".") for a in load_abbreviations()}
    | {w.lower() for w in load_acronyms().spell | load_acronyms().word}
    | _UNIT_WORDS
    | {"er", "ern", "uhr", "punkt", "de", "com"}
)
ordinary_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=3, max_size=12).filter(
    lambda w: w not in _SPECIAL
)
noise = st.sampled_from(["", " 3.400", " 17.", " (", ")", " –", " 5 %", " 1989", " €", " z.B.", ",", " „"])

fast = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(texts)
def test_no_digit_or_sign_survives_any_input(text: str) -> None:
    for seg in normalize(text, lexicon=NO_LEXICON):
        assert not any(c.isdigit() for c in seg), seg
        assert not FORBIDDEN.search(seg), seg


@fast
@given(st.text())
def test_no_digit_or_sign_survives_arbitrary_unicode(text: str) -> None:
    for seg in normalize(text, lexicon=NO_LEXICON):
        assert not any(c.isdigit() for c in seg), seg
        assert not FORBIDDEN.search(seg), seg


@fast
@given(st.lists(st.tuples(ordinary_words, noise), min_size=1, max_size=30))
def test_every_ordinary_word_appears_in_order(items: list[tuple[str, str]]) -> None:
    text = " ".join(w + n for w, n in items)
    words = [w for w, _ in items]
    out = " ".join(normalize(text, lexicon=NO_LEXICON)).lower()
    tokens = re.findall(r"[a-zäöüß]+", out)
    i = 0
    for tok in tokens:
        if i < len(words) and tok == words[i]:
            i += 1
    assert i == len(words), (text, out)


@fast
@given(texts, st.integers(min_value=20, max_value=300))
def test_no_segment_is_longer_than_the_limit(text: str, limit: int) -> None:
    for seg in normalize(text, lexicon=NO_LEXICON, max_chars=limit):
        assert 0 < len(seg) <= limit


@fast
@given(st.lists(ordinary_words, min_size=1, max_size=80), st.integers(min_value=15, max_value=120))
def test_long_sentences_are_cut_between_words(words: list[str], limit: int) -> None:
    # Words of at most 12 letters always fit, so no cut may fall inside one.
    text = " ".join(words) + "."
    segments = normalize(text, lexicon=NO_LEXICON, max_chars=limit)
    assert all(len(s) <= limit for s in segments)
    assert " ".join(segments).lower().rstrip(".").split() == words


# --- issue 11: nothing numeric vanishes --------------------------------------------------
# Every digit, currency sign, percent sign and fraction in the written text is accounted for
# in the spoken text: each numeric token leaves words between the ordinary words around it,
# and each sign leaves its word.
_NUMBER_WORDS = re.compile(r"null|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|hundert|"
                           r"tausend|halb|drittel|viertel|tel|prozent|euro|dollar|pfund|uhr|zu|bis|und|minus|plus|"
                           r"komma|million|milliard|dem|den|der|ein|eine|einem|einer|einen")
plain_words = ordinary_words.filter(lambda w: not _NUMBER_WORDS.search(w))
glyphs = st.sampled_from(list("½⅓⅔¼¾⅕⅛⅞"))
ints = st.integers(min_value=0, max_value=10**7).map(str)
numeric_tokens = st.one_of(
    ints,
    st.tuples(ints, st.integers(0, 99)).map(lambda t: f"{t[0]},{t[1]}"),
    st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(2, 9)).map(lambda t: f"{t[0]} {t[1]}/{t[2]}"),
    glyphs,
    st.tuples(st.integers(0, 9), glyphs).map(lambda t: f"{t[0]}{t[1]}"),
    ints.map(lambda n: f"{n} %"),
    ints.map(lambda n: f"{n}%"),
    ints.map(lambda n: f"{n} €"),
    ints.map(lambda n: f"€ {n}"),
    ints.map(lambda n: f"${n}"),
    st.tuples(st.integers(0, 40), st.integers(0, 15)).map(lambda t: f"{t[0]}.{t[1]}."),
    st.tuples(st.integers(0, 30), st.integers(0, 70)).map(lambda t: f"{t[0]}:{t[1]}"),
    st.tuples(ints, ints).map(lambda t: f"{t[0]}–{t[1]}"),
)
_SIGN_WORDS = {"%": "prozent", "€": "euro", "$": "dollar"}


@fast
@given(st.lists(st.tuples(plain_words, numeric_tokens), min_size=1, max_size=12), plain_words)
def test_every_number_sign_and_fraction_is_accounted_for(items: list[tuple[str, str]], last: str) -> None:
    text = " ".join(f"{w} {tok}" for w, tok in items) + f" {last}."
    spoken = " ".join(normalize(text, lexicon=NO_LEXICON)).lower()
    words = re.findall(r"[a-zäöüß]+", spoken)
    anchors = [w for w, _ in items] + [last]
    # Each ordinary word in order, and at least one spoken word between it and the next:
    # the numeric token between them was said.
    positions, i = [], 0
    for anchor in anchors:
        while i < len(words) and words[i] != anchor:
            i += 1
        assert i < len(words), (text, spoken)
        positions.append(i)
        i += 1
    for (_, tok), here, there in zip(items, positions, positions[1:], strict=False):
        assert there - here > 1, (tok, text, spoken)
    for sign, word in _SIGN_WORDS.items():
        assert spoken.count(word) >= text.count(sign), (sign, text, spoken)

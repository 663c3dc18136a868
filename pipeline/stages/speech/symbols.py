"""Characters a voice should not read: quotes, emoji, brackets, dashes, URLs, stray signs.

Pauses: parentheses, dashes and ellipses become a comma (or a full stop where the ellipsis
ends a sentence). Every engine we use pauses at a comma, so the pause survives into any
voice; the longer, exact pauses between sentences and paragraphs are Segment.pause_after_ms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from . import phone
from .fractions import glyph_words
from .letters import spell
from .number_words import cardinal, digits

# Placeholders for text the lexicon has already decided (see protect.py) live in the
# private-use area; nothing here may touch them.
PROTECTED = "\ue000-\uf8ff"

# --- whitespace and look-alikes -----------------------------------------------------------
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\r\f\v]")
# "10 000" with a (narrow) no-break, thin or plain space is one number (DIN 5008 grouping).
# (Patterns here start with the character they consume and look behind it: see scan.py.)
_GROUPED_DIGITS = re.compile(r"(\d(?<![\d.,]\d)\d{0,2})((?:[ \u00a0\u2009\u202f]\d{3})+)(?![\d]|[.,]\d)")
_SOFT = re.compile(r"[\u00ad\u200b\u200c\u2060\ufeff]")  # soft hyphen, zero-width chars


def clean_whitespace(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _SOFT.sub("", text)
    has_digits = _ANY_DIGIT.search(text) is not None  # the digit passes need one
    if has_digits:
        # Phone numbers first: their groups are not thousands ("0800 123 456").
        text = phone.read_phone_numbers(text)
        text = _GROUPED_DIGITS.sub(_join_groups, text)
    text = _SPACES.sub(" ", text)
    if not has_digits:
        return text
    # Fullwidth and other non-ASCII decimal digits ("٣", "３") become ASCII so the number
    # rules see them; superscripts are handled by the units and the final pass.
    return _NON_ASCII_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(0))), text)


_NON_ASCII_DIGIT = re.compile(r"\d(?<![0-9])")
_ANY_DIGIT = re.compile(r"\d")


def _join_groups(m: re.Match[str]) -> str:
    return m.group(1) + re.sub(r"\D", "", m.group(2))

# --- URLs and e-mail --------------------------------------------------------------------
_TLDS = "de|com|org|net|eu|at|ch|info|io|gov|edu|uk|fr|it|nl|tv|fm|app|online|news"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>()\"“”„]+|(?<![\w@.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:"
    + _TLDS
    + r")(?:/[^\s<>()\"“”„]*)?(?![\w@])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-](?<![\w.][\w.+-])[\w.+-]*@[\w-]+(?:\.[\w-]+)+")
_HOST = re.compile(r"^(?:https?://)?(?:www\.)?([^/?#:]+)")


def _host_words(host: str) -> str:
    # "tagesschau.de" -> "tagesschau Punkt de". The path is dropped: nobody can type a
    # spoken path, and the domain is what an anchor says ("mehr auf tagesschau.de").
    return " Punkt ".join(p for p in host.rstrip(".").split(".") if p)


def _url(m: re.Match[str]) -> str:
    raw = m.group(0).rstrip(".,;:!?)")
    trail = m.group(0)[len(raw) :]
    host = _HOST.match(raw)
    return (_host_words(host.group(1)) if host else "") + trail


def _email(m: re.Match[str]) -> str:
    user, _, host = m.group(0).partition("@")
    user_words = " Punkt ".join(p for p in user.split(".") if p)
    # "@" is said "ät" in German.
    return f"{user_words} ät {_host_words(host)}"


# Hints that a text holds an address: "://", "@", "www." or a dot before a known TLD.
_AT = re.compile("@")
_SCHEME = re.compile("://")
_WWW = re.compile(r"[wW][wW][wW]\.")
_NON_SPACE = re.compile(r"\S*")


def _word_around(text: str, i: int) -> tuple[int, int]:
    """The span of the maximal run of non-space characters around position ``i``."""
    start = i
    while start > 0 and not text[start - 1].isspace():  # str.isspace is re's \s
        start -= 1
    return start, _NON_SPACE.match(text, i).end()
_TLD = re.compile(r"\.(?i:" + _TLDS + r")\b")


def read_addresses(text: str) -> str:
    # _EMAIL and _URL matches never hold a space, and they read the same whether a space or
    # the text's end lies next to them, so each runs only on the space-free words that hold
    # one of its necessary parts: "@", or "://", "www." or a dot before a known TLD. (_URL
    # ignores case, so it cannot start with a class; re would try it at every position.)
    if "@" in text:
        text = _sub_in_words(text, [m.start() for m in _AT.finditer(text)], _EMAIL, _email)
    starts = [m.start() for r in (_SCHEME, _WWW, _TLD) for m in r.finditer(text)]
    return _sub_in_words(text, starts, _URL, _url)


def _sub_in_words(
    text: str, positions: list[int], regex: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> str:
    """``regex.sub(repl, text)`` for a regex whose matches lie within space-free words,
    run only on the words around ``positions``."""
    if not positions:
        return text
    spans = sorted({_word_around(text, i) for i in positions})
    out, done = [], 0
    for start, end in spans:
        out += [text[done:start], regex.sub(repl, text[start:end])]
        done = end
    return "".join(out) + text[done:]


# --- quotes and emoji ---------------------------------------------------------------------
# Quotes go, their content stays. "’" and "'" stay: they are apostrophes ("geht's").
# Both go in one pass over one character class: dropping either never makes the other.
_QUOTES = "„“”\"‚‘»«›‹"
_EMOJI = (
    "\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
    "\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f\u2190-\u21ff\u25a0-\u25ff"
)
_QUOTES_AND_EMOJI = re.compile(f"[{_QUOTES}{_EMOJI}]")


def drop_quotes_and_emoji(text: str) -> str:
    return _QUOTES_AND_EMOJI.sub("", text)


# --- pauses -------------------------------------------------------------------------------
# Same as r"\s*[(\[{]\s*" and r"\s*[)\]}]", but starting with a class (see scan.py): the
# first character is a space (then more space and the bracket follow) or the bracket.
_OPEN = re.compile(r"[\s(\[{](?:(?<=[(\[{])|\s*[(\[{])\s*")
_CLOSE = re.compile(r"[\s)\]}](?:(?<=[)\]}])|\s*[)\]}])")
# Only a dash with space (or the text start) before it, or an em dash, can be a pause.
_SPACE_HYPHEN = re.compile(r"-(?<=\s-)")
# These read as r"(?:^|\s+)[–—-]+(?=\s|$)|\s*[—]\s*" and r"\s*(?:…|\.{3,})" but start with
# the class of their first character (see scan.py); a lookbehind then tells which one it
# was: a space (more space may follow), the text's first character, an em dash, a dot.
_SPACED_DASH = re.compile(
    r"[\s–—-](?:(?<=\s)(?:\s*[–—-]+(?=\s|$)|\s*—\s*)|(?<=[–—-])(?<![\s\S][–—-])[–—-]*(?=\s|$)|(?<=—)\s*)"
)
_DOTS = r"[\s….](?:(?<=\s)\s*(?:…|\.{3,})|(?<=…)|(?<=\.)\.{2,})"
_ELLIPSIS_END = re.compile(_DOTS + r"(?=\s*(?:$|\n|[A-ZÄÖÜ]))")
_ELLIPSIS = re.compile(_DOTS)


def pauses(text: str) -> str:
    # Each rule runs only if its character occurs: a plain `in` is far cheaper than a regex
    # whose pattern starts with optional space (the benchmark's hot spot).
    if "…" in text or "..." in text:
        text = _ELLIPSIS_END.sub(".", text)
        text = _ELLIPSIS.sub(",", text)
    if "(" in text or "[" in text or "{" in text:
        text = _OPEN.sub(", ", text)
    if ")" in text or "]" in text or "}" in text:
        text = _CLOSE.sub(",", text)
    if "–" in text or "—" in text or text[:1] == "-" or _SPACE_HYPHEN.search(text):
        text = _SPACED_DASH.sub(",", text)
    return text


# --- letters glued to digits: "G7", "A380", "5G", "mp3" -----------------------------------
_LETTERS_DIGITS = re.compile(r"([A-ZÄÖÜ](?<![\w\ue000-\uf8ff][A-ZÄÖÜ])[A-ZÄÖÜ]{0,2})(?=\d)")
_DIGITS_LETTERS = re.compile(r"([A-ZÄÖÜ](?<=\d[A-ZÄÖÜ])[A-ZÄÖÜ]{0,2})(?![\w])")
# A space between a letter and a digit, in either order: one pass puts it before each
# digit that follows a letter, the next after each digit that precedes a letter.
_LETTER_DIGIT = re.compile(r"\d(?<=[^\W\d_]\d)")
_DIGIT_LETTER = re.compile(r"\d(?=[^\W\d_])")


def split_letters_and_digits(text: str) -> str:
    # Capitals glued to a number are a name ("G7", "A380", "5G"): spell them.
    text = _LETTERS_DIGITS.sub(lambda m: spell(m.group(1)) + " ", text)
    text = _DIGITS_LETTERS.sub(lambda m: " " + spell(m.group(1)), text)
    text = _LETTER_DIGIT.sub(r" \g<0>", text)
    return _DIGIT_LETTER.sub(r"\g<0> ", text)


# --- remaining signs ----------------------------------------------------------------------
# (trigger character, rule, replacement): a rule only runs if its trigger occurs.
_SIGNS = [
    ("&", re.compile(r"\s*&\s*"), " und "),
    ("+", re.compile(r"(?<!\w)\+(?=\s)|\s\+\s"), " plus "),
    ("=", re.compile(r"\s=\s"), " gleich "),
    ("×", re.compile(r"\s*×\s*"), " mal "),  # "2 × täglich"; between numbers quantities.py read it
    ("*", re.compile(r"(?<=\w)\*(?=\w)"), ""),  # gender star "Lehrer*innen" -> "Lehrerinnen"
    ("/", re.compile(r"\s*/\s*"), " "),  # "CDU/CSU", "und/oder": a slash is not read
    ("", re.compile(r"[*#_|~^`<>\\]"), " "),
    ("@", re.compile(r"@"), " ät "),
]
# Last resort so that no digit or sign a voice would misread survives any input
# ("1.2.3", "v2.0", stray signs): signs become their word, digit runs their number.
_LEFTOVER_SIGN = {"§": " Paragraf ", "%": " Prozent ", "€": " Euro ", "$": " Dollar ", "°": " Grad "}
# A sign or a run of digits, in one pass: a sign's word holds no digit and a number's
# words hold no sign, so this reads the same as the sign pass followed by the digit pass.
_LEFTOVER = re.compile(r"[§%€$°0-9](?:(?<=[0-9])[0-9]*)?")


def _leftover(m: re.Match[str]) -> str:
    s = m.group(0)
    if s in _LEFTOVER_SIGN:
        return _LEFTOVER_SIGN[s]
    return " " + (digits(s) if s.startswith("0") and len(s) > 1 else cardinal(int(s))) + " "


def _numeric_char(c: str) -> str:
    value = unicodedata.numeric(c, -1)
    if value < 0:
        return " "
    # A fraction the fraction pass did not see is still said, never dropped.
    return f" {cardinal(int(value))} " if value == int(value) else f" {glyph_words(c)} "


def read_signs(text: str) -> str:
    for trigger, regex, repl in _SIGNS:
        if trigger in text:
            text = regex.sub(repl, text)
    return text


def leftovers(text: str) -> str:
    text = _LEFTOVER.sub(_leftover, text)
    if not text.isascii() and any(map(str.isnumeric, set(text))):
        # Superscripts, fractions, numerals of other scripts: read their value.
        text = "".join(_numeric_char(c) if c.isnumeric() else c for c in text)
    return text


# --- tidy ---------------------------------------------------------------------------------
# Each pattern starts with a literal or a class (see scan.py); line starts and ends are
# trimmed with str methods instead of (?m)^ and $ patterns, which re tries at every position.
_SPACES_RUN = re.compile(r"  +")
_TIDY = [
    (re.compile(r"([,;:])(?:\s*[,;:])+"), r"\1"),  # ", ," from a bracket after a comma
    (re.compile(r",\s*([.!?])"), r"\1"),  # "(ISW)." -> "ISW."
]
_SPACE_AFTER = re.compile(r"([,;:])(?=[^\s\d])")


def _trim_line(line: str) -> str:
    # A line neither starts with a pause (or space) nor ends with one.
    return line.lstrip(" ,;:").rstrip(" ,;")


def tidy(text: str) -> str:
    text = _SPACES_RUN.sub(" ", text)
    # No two spaces are left, so the space before a sign is one space: str.replace finds
    # it far faster than a regex that stops at every space.
    for sign in ",.;:!?":
        text = text.replace(" " + sign, sign)
    for regex, repl in _TIDY:
        text = regex.sub(repl, text)
    text = "\n".join(_trim_line(line) for line in text.split("\n"))
    # No space lies next to a line break now, and the space put after a pause below is
    # always followed by a visible character.
    return _SPACE_AFTER.sub(r"\1 ", text).strip()

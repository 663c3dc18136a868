"""Numbers with what they count: money, percent, units, millions, paragraphs of law.

"5 %" -> "fünf Prozent", "3,50 €" -> "drei Euro fünfzig", "1,5 Mio. Euro" ->
"eineinhalb Millionen Euro", "120 km/h" -> "hundertzwanzig Kilometer pro Stunde",
"§ 218" -> "Paragraf zweihundertachtzehn".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .number_words import cardinal, digits, half
from .numerals import NUM, number_words, parse
from .scan import branches, signed_number, split_signed


@dataclass(frozen=True)
class Unit:
    one: str  # after "1": "ein Kilometer", "eine Tonne"
    many: str
    feminine: bool = False


# Symbols and short forms read after a number. Units that read the same in singular and
# plural still list both so the table says plainly what is spoken.
UNITS: dict[str, Unit] = {
    "%": Unit("Prozent", "Prozent"),
    "‰": Unit("Promille", "Promille"),
    "Prozentpunkte": Unit("Prozentpunkt", "Prozentpunkte"),
    "km/h": Unit("Kilometer pro Stunde", "Kilometer pro Stunde"),
    "km²": Unit("Quadratkilometer", "Quadratkilometer"),
    "m²": Unit("Quadratmeter", "Quadratmeter"),
    "qm": Unit("Quadratmeter", "Quadratmeter"),
    "m³": Unit("Kubikmeter", "Kubikmeter"),
    "km": Unit("Kilometer", "Kilometer"),
    "cm": Unit("Zentimeter", "Zentimeter"),
    "mm": Unit("Millimeter", "Millimeter"),
    "m": Unit("Meter", "Meter"),
    "kg": Unit("Kilogramm", "Kilogramm"),
    "g": Unit("Gramm", "Gramm"),
    "mg": Unit("Milligramm", "Milligramm"),
    "t": Unit("Tonne", "Tonnen", feminine=True),
    "l": Unit("Liter", "Liter"),
    "ml": Unit("Milliliter", "Milliliter"),
    "ha": Unit("Hektar", "Hektar"),
    "°C": Unit("Grad Celsius", "Grad Celsius"),
    "° C": Unit("Grad Celsius", "Grad Celsius"),
    "°F": Unit("Grad Fahrenheit", "Grad Fahrenheit"),
    "°": Unit("Grad", "Grad"),
    "kW": Unit("Kilowatt", "Kilowatt"),
    "MW": Unit("Megawatt", "Megawatt"),
    "GW": Unit("Gigawatt", "Gigawatt"),
    "kWh": Unit("Kilowattstunde", "Kilowattstunden", feminine=True),
    "MWh": Unit("Megawattstunde", "Megawattstunden", feminine=True),
    "GWh": Unit("Gigawattstunde", "Gigawattstunden", feminine=True),
    "TWh": Unit("Terawattstunde", "Terawattstunden", feminine=True),
    "h": Unit("Stunde", "Stunden", feminine=True),
    "Std.": Unit("Stunde", "Stunden", feminine=True),
    "min": Unit("Minute", "Minuten", feminine=True),
    "Min.": Unit("Minute", "Minuten", feminine=True),
    "Sek.": Unit("Sekunde", "Sekunden", feminine=True),
    # "PS" is said "Peh-Ess" by everyone; spelled here so the acronym pass need not guess.
    "PS": Unit("Peh-Ess", "Peh-Ess"),
    "ct": Unit("Cent", "Cent"),
}
# Units after a slash ("ct/kWh", "g/km", "€/MWh") or after "pro"/"je" ("g CO2 pro km"): said
# "pro" and the unit in the singular ("Cent pro Kilowattstunde"). "s" only counts here: alone
# it is far more often a letter than a second.
PER_UNITS: dict[str, Unit] = {**UNITS, "s": Unit("Sekunde", "Sekunden", feminine=True)}

CURRENCIES: dict[str, Unit] = {
    "€": Unit("Euro", "Euro"),
    "EUR": Unit("Euro", "Euro"),
    "Euro": Unit("Euro", "Euro"),
    "$": Unit("Dollar", "Dollar"),
    "US-$": Unit("US-Dollar", "US-Dollar"),
    "US$": Unit("US-Dollar", "US-Dollar"),
    "USD": Unit("US-Dollar", "US-Dollar"),
    "Dollar": Unit("Dollar", "Dollar"),
    "US-Dollar": Unit("US-Dollar", "US-Dollar"),
    "£": Unit("Pfund", "Pfund"),
    "Pfund": Unit("Pfund", "Pfund"),
    "CHF": Unit("Franken", "Franken"),
    "Franken": Unit("Franken", "Franken"),
    "¥": Unit("Yen", "Yen"),
}
# Sub-units for "3,50 €" -> "drei Euro fünfzig" and "0,50 €" -> "fünfzig Cent".
_CENTS = {"Euro": "Cent", "Dollar": "Cent", "US-Dollar": "Cent", "Franken": "Rappen", "Pfund": "Pence"}

MAGNITUDES: dict[str, Unit] = {
    "Tsd.": Unit("tausend", "tausend"),
    "Mio.": Unit("Million", "Millionen", feminine=True),
    "Mio": Unit("Million", "Millionen", feminine=True),
    "Million": Unit("Million", "Millionen", feminine=True),
    "Millionen": Unit("Million", "Millionen", feminine=True),
    "Mrd.": Unit("Milliarde", "Milliarden", feminine=True),
    "Mrd": Unit("Milliarde", "Milliarden", feminine=True),
    "Milliarde": Unit("Milliarde", "Milliarden", feminine=True),
    "Milliarden": Unit("Milliarde", "Milliarden", feminine=True),
    "Bio.": Unit("Billion", "Billionen", feminine=True),
    "Billion": Unit("Billion", "Billionen", feminine=True),
    "Billionen": Unit("Billion", "Billionen", feminine=True),
}


def _alt(keys: list[str] | dict[str, Unit]) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


_END = r"(?![\w²³])"
_CUR = _alt(CURRENCIES)
_MAG = _alt(MAGNITUDES)
_UNIT = _alt(UNITS)
_PER = _alt({k: u for k, u in PER_UNITS.items() if k not in ("%", "‰", "Prozentpunkte", "°", "PS")})
_PER_TAIL = rf"(?:/(?P<per>{_PER})(?![\w²³/]))?"
# "pro km", "je kWh" after the number was read: the unit is still a symbol.
_PRO = re.compile(rf"[pj](?<![\w][pj])(?:ro|e) (?P<per>{_PER})(?![\w²³/])")

# Each pattern starts with the sign, digit or currency sign it consumes (scan.py).
# "1,5 Mio. Euro", "3 Mrd. $", "2,4 Millionen", "5 €", "3,50 Euro". A number with neither
# magnitude nor currency is left to the later passes, so the pattern needs one of them.
# A "+" counts too: "+2,4 Prozentpunkte" is "plus zwei Komma vier Prozentpunkte".
_SIGNED = signed_number("n", r"[\w.,]", "-−+")
_AMOUNT = re.compile(rf"{_SIGNED}\s?(?:(?P<mag>{_MAG})\s?(?P<cur>{_CUR})?|(?P<cur2>{_CUR})){_END}{_PER_TAIL}")
# "€ 5", "$3,5 Mrd.", "US-$ 20"
_CUR_FIRST = branches(((k[0], re.escape(k[1:])) for k in sorted(CURRENCIES, key=len, reverse=True)), r"\w")
_PREFIX_AMOUNT = re.compile(rf"({_CUR_FIRST})\s?([-−]?)({NUM})(?:\s?({_MAG}))?{_END}")
# "5 %", "120 km/h", "-3 °C"
_MEASURE = re.compile(rf"{_SIGNED}\s?(?P<unit>{_UNIT})(?:/(?P<per>{_PER})(?![\w²³/])|(?![\w²³/]))")
# "§ 218", "§§ 3 und 4", "§ 5a"
_PARAGRAPH = re.compile(r"(§§?)\s?(\d+)\s?([a-z])?(?!\w)")


def _sign_word(sign: str) -> str:
    return {"+": "plus ", "-": "minus ", "−": "minus "}.get(sign, "")


def _per(m: re.Match[str]) -> str:
    """' pro Kilowattstunde' for a matched "/kWh", else ''."""
    per = m.group("per")
    return f" pro {PER_UNITS[per].one}" if per else ""


def _count(token: str, unit: Unit) -> str:
    """The number before a unit: "1" agrees with the unit ("ein Euro", "eine Million")."""
    whole, frac = parse(token)
    if not frac and whole == "1":
        return "eine" if unit.feminine else "ein"
    return number_words(token)


def _scaled(sign: str, token: str, mag: str | None) -> tuple[str, bool]:
    """Read "1,5" + "Mio." as "eineinhalb Millionen". Returns (words, plural)."""
    whole, frac = parse(token)
    minus = _sign_word(sign)
    if not mag:
        return minus + number_words(token), not (whole == "1" and not frac)
    unit = MAGNITUDES[mag]
    if frac == "5" and whole and whole != "0":
        # Halves of a magnitude are said "eineinhalb/zweieinhalb Millionen" on air.
        return f"{minus}{half(int(whole))} {unit.many}", True
    if mag == "Tsd.":
        return minus + number_words(token) + "tausend", True
    plural = not (whole == "1" and not frac)
    count = _count(token, unit)
    return f"{minus}{count} {unit.many if plural else unit.one}", True


def _money(sign: str, token: str, mag: str | None, cur: str | None) -> str:
    whole, frac = parse(token)
    if cur and not mag and frac and len(frac) == 2 and cur in CURRENCIES:
        name = CURRENCIES[cur].many
        cents = int(frac)
        minus = _sign_word(sign)
        if whole in ("", "0"):
            return f"{minus}{cardinal(cents)} {_CENTS.get(name, 'Cent')}"
        # "3,50 €" -> "drei Euro fünfzig": how prices are said, not "drei Komma fünf null".
        head = "ein" if whole == "1" else cardinal(int(whole))
        return f"{minus}{head} {name}" + (f" {cardinal(cents)}" if cents else "")
    words, _ = _scaled(sign, token, mag)
    if cur:
        unit = CURRENCIES[cur]
        if not mag and whole == "1" and not frac:
            words = (_sign_word(sign)) + "ein"
        words += " " + unit.many
    return words


_LINE_END = re.compile(r"[ \t]*(?:\n|$)")


def _keep_stop(m: re.Match[str], spoken: str) -> str:
    """'Es fehlen 3 Mio.' - the abbreviation's dot also ended the sentence: keep one."""
    if m.group(0).endswith(".") and _LINE_END.match(m.string, m.end()):
        return spoken + "."
    return spoken


def _amount(m: re.Match[str]) -> str:
    return _keep_stop(m, _amount_words(m) + _per(m))


def _amount_words(m: re.Match[str]) -> str:
    sign, token = split_signed(m, "n")
    mag, cur = m.group("mag"), m.group("cur") or m.group("cur2")
    if mag in ("Million", "Millionen", "Milliarde", "Milliarden", "Billion", "Billionen") and not cur:
        # Spelled-out magnitudes only need the halves and the "eine"; leave "3 Millionen"
        # to the plain pass unless one of those applies.
        whole, frac = parse(token)
        if not (frac == "5" or (whole == "1" and not frac)):
            return m.group(0)
    return _money(sign, token, mag, cur)


def _prefix_amount(m: re.Match[str]) -> str:
    cur, sign, token, mag = m.groups()
    return _keep_stop(m, _money(sign, token, mag, cur))


def _measure(m: re.Match[str]) -> str:
    return _keep_stop(m, _measure_words(m) + _per(m))


def _measure_words(m: re.Match[str]) -> str:
    sign, token = split_signed(m, "n")
    sym = m.group("unit")
    unit = UNITS[sym]
    whole, frac = parse(token)
    minus = _sign_word(sign)
    if whole == "1" and not frac:
        name = unit.one
        # "1 %" -> "ein Prozent", "1 t" -> "eine Tonne"; "1 km/h" -> "ein Kilometer pro Stunde"
        return f"{minus}{'eine' if unit.feminine else 'ein'} {name}"
    return f"{minus}{number_words(token)} {unit.many}"


def _paragraph(m: re.Match[str]) -> str:
    sign, num, letter = m.groups()
    # "Paragraf" is the spelling since the 1996 reform; both are pronounced alike.
    word = "Paragrafen" if sign == "§§" else "Paragraf"
    out = f"{word} {cardinal(int(num)) if not num.startswith('0') else digits(num)}"
    if letter:
        out += f" {letter}"
    return out


# "105 × 68", "4x100-Meter", "3 x 2": a times sign between numbers is said "mal". The letter x
# only counts glued to digits on both sides or spaced between them; "0x1F" stays a code.
_TIMES = re.compile(r"[1-9](?<![\w.,][1-9])\d*(?:\s?×\s?|x| x )(?=\d)")


def read_times_signs(text: str) -> str:
    if "x" not in text and "×" not in text:
        return text
    return _TIMES.sub(lambda m: re.sub(r"\s?[x×]\s?$", " mal ", m.group(0)), text)


def read_per_units(text: str) -> str:
    """'pro km' -> 'pro Kilometer', 'je kWh' -> 'je Kilowattstunde' (after any number pass)."""
    if "pro " not in text and "je " not in text:
        return text
    return _PRO.sub(lambda m: m.group(0)[: -len(m.group("per"))] + PER_UNITS[m.group("per")].one, text)


def read_quantities(text: str) -> str:
    text = read_times_signs(text)
    text = _PARAGRAPH.sub(_paragraph, text)
    text = _PREFIX_AMOUNT.sub(_prefix_amount, text)
    text = _AMOUNT.sub(_amount, text)
    return read_per_units(_MEASURE.sub(_measure, text))

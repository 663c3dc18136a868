"""Unit tests of the speech rules behind the golden classes of issue "what the listener hears":
each rule's own function, with its cases, apart from the whole normaliser."""

from __future__ import annotations

import pytest

from pipeline.stages.speech import agencies, dates, file_numbers, initials, phone, quantities, roman


@pytest.mark.parametrize(
    ("before", "after", "end"),
    [
        ("Gruppe", "Diese", True),  # a label noun: the letter is a label, its dot a full stop
        ("Vitamin", "Das", True),
        ("Typ", "Er", True),
        ("Gruppe", "Deutschland", True),  # after a label even a noun starts the next sentence
        ("John", "Kennedy", False),  # an initial before a surname
        ("Angela", "Merkel", False),
        ("sagte", "Der", True),  # a closed-class word never continues a name
        ("Plan", "", True),  # a line end
    ],
)
def test_a_single_letter_ends_a_sentence_only_where_the_context_says_so(before: str, after: str, end: bool) -> None:
    assert initials.ends_sentence(before, after) is end


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("in Gruppe C. Diese Teams", "in Gruppe Zeh. Diese Teams"),
        ("Vitamin D. Das ist", "Vitamin Deh. Das ist"),
        ("John F. Kennedy", "John Eff Kennedy"),
        ("Wir haben einen Plan B.", "Wir haben einen Plan Beh."),
        ("A. Merkel", "A. Merkel"),  # no word before: left to the segmenter
        ("Die ARD berichtet.", "Die ARD berichtet."),
    ],
)
def test_read_single_letters(text: str, spoken: str) -> None:
    assert initials.read_single_letters(text) == spoken


@pytest.mark.parametrize(
    ("before", "gender", "genitive_name", "case"),
    [
        (["Messe", "bei", "Papst"], "m", False, "dat"),  # the title is skipped
        (["Rede", "des", "Papstes"], "m", False, "gen"),
        (["Brief", "an", "Papst"], "m", False, "acc"),
        (["für"], "m", False, "acc"),
        (["Sohn", "der", "Königin"], "f", False, "dat"),  # "der Zweiten" (genitive alike)
        (["der", "König"], "m", False, "nom"),
        (["Krönung"], "m", True, "gen"),  # "Karls III."
        ([], "m", False, "nom"),
        (["regierte"], "m", False, "nom"),
    ],
)
def test_regnal_case_comes_from_the_word_before_the_name(
    before: list[str], gender: str, genitive_name: bool, case: str
) -> None:
    assert roman.regnal_case(before, gender, genitive_name) == case


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("bei Papst Leo XIV. war", "bei Papst Leo dem Firzehnten war"),
        ("die Krönung Karls III. war", "die Krönung Karls des Dritten war"),
        ("für Ludwig XIV. war", "für Ludwig den Firzehnten war"),
        ("der Königin Elisabeth II. folgte", "der Königin Elisabeth der Zweiten folgte"),
        ("zu. Karl V. sagte", "zu. Karl der Fünfte sagte"),  # a preposition of the last sentence
    ],
)
def test_read_regnal(text: str, spoken: str) -> None:
    assert roman.read_regnal(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Berlin (epd) Die Kirche warnt.", "Berlin, Die Kirche warnt."),
        ("Berlin (dpa) - Die Kirche warnt.", "Berlin - Die Kirche warnt."),
        ("Düsseldorf (dpa/lnw) - Der Landtag", "Düsseldorf - Der Landtag"),
        ("Paris (AFP/Reuters) – Die", "Paris – Die"),
        ("Die Kirche warnt. (dpa)", "Die Kirche warnt."),
        ("(KNA) Der Papst", "Der Papst"),
        ("Das sagte er (AP).", "Das sagte er."),
        ("Die Partei (SPD) sagt", "Die Partei (SPD) sagt"),  # not an agency
    ],
)
def test_agency_codes_are_dropped(text: str, spoken: str) -> None:
    assert agencies.drop_agency_codes(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("105 × 68", "105 mal 68"),
        ("4x100-Meter", "4 mal 100-Meter"),
        ("3 x 4 m", "3 mal 4 m"),
        ("0x1F", "0x1F"),  # a hexadecimal code, not a product
        ("Max x", "Max x"),
    ],
)
def test_times_signs_between_numbers(text: str, spoken: str) -> None:
    assert quantities.read_times_signs(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("+2,4 Prozentpunkte", "plus zwei Komma vier Prozentpunkte"),
        ("-3 °C", "minus drei Grad Celsius"),
        ("30 ct/kWh", "dreißig Cent pro Kilowattstunde"),
        ("1 ct/kWh", "ein Cent pro Kilowattstunde"),
        ("0,30 €/kWh", "dreißig Cent pro Kilowattstunde"),
        ("95 g/km", "fünfund neunzig Gramm pro Kilometer"),
        ("30 m/s", "dreißig Meter pro Sekunde"),
        ("120 km/h", "hundert zwanzig Kilometer pro Stunde"),
        ("Gramm CO2 pro km", "Gramm CO2 pro Kilometer"),
        ("je kWh", "je Kilowattstunde"),
        ("pro Kopf", "pro Kopf"),
    ],
)
def test_signed_quantities_and_units_per_unit(text: str, spoken: str) -> None:
    assert quantities.read_quantities(text) == spoken


@pytest.mark.parametrize(
    ("parts", "spoken"),
    [
        ((2, 2, 37), "zwei Stunden, zwei Minuten und siebenund dreißig Sekunden"),
        ((1, 0, 5), "eine Stunde und fünf Sekunden"),
        ((0, 1, 45, "3"), "eine Minute und fünfund firzig Komma drei Sekunden"),
        ((0, 0, 0), "null Sekunden"),
    ],
)
def test_duration_words(parts: tuple, spoken: str) -> None:
    assert dates.duration_words(*parts) == spoken


def test_a_duration_after_in_is_dative() -> None:
    assert dates.duration_words(1, 0, 5, dative=True) == "einer Stunde und fünf Sekunden"


@pytest.mark.parametrize(
    ("code", "spoken"),
    [
        ("1 StR 45/23", "eins Ess-Teh-Err fünfund firzig Strich dreiund zwanzig"),
        ("2 BvR 1/22", "zwei Beh-Fau-Err eins Strich zweiund zwanzig"),
        ("VI ZR 123/22", "sechs Zett-Err hundert dreiund zwanzig Strich zweiund zwanzig"),
        ("C-123/22", "Zeh hundert dreiund zwanzig Strich zweiund zwanzig"),
    ],
)
def test_file_number_codes(code: str, spoken: str) -> None:
    assert file_numbers.speak_code(code) == spoken


def test_file_numbers_need_their_cue() -> None:
    assert file_numbers.read_file_numbers("Az. 3 K 12/24") == "Aktenzeichen drei Kah zwölf Strich vierund zwanzig"
    assert file_numbers.read_file_numbers("Gut 2/3 der Befragten") == "Gut 2/3 der Befragten"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("0800 123 456", "null acht null null, eins zwei drei, vier fünf sechs"),
        ("030 12345-0", "null drei null, eins zwei drei vier fünf, null"),
        ("0171", "0171"),  # one group: left to the number pass (digit by digit there too)
        ("10 000", "10 000"),
    ],
)
def test_phone_numbers_are_read_in_groups(text: str, spoken: str) -> None:
    assert phone.read_phone_numbers(text) == spoken


@pytest.mark.parametrize(
    ("token", "text", "noun", "service"),
    [
        ("110", "Rufen Sie 110 an", "", True),
        ("112", "Der Notruf 112 ist kostenlos", "", True),
        ("110", "Es kamen 110 Menschen", "Menschen", False),
        ("110", "Die Polizei zählte 110 Demonstranten", "Demonstranten", False),
        ("110", "Sie wurde 110 Jahre alt und", "Jahre", False),
        ("111", "Rufen Sie 111 an", "", False),
    ],
)
def test_service_numbers(token: str, text: str, noun: str, service: bool) -> None:
    start = text.index(token)
    assert phone.is_service_number(token, text, start, start + len(token), noun) is service

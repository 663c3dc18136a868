"""Spans in another language (issue 21): found by shape, named by lingua, marked for the
voices, and the editors' lexicon entries of kind "language"."""

from __future__ import annotations

import hashlib
import json

import pytest

from pipeline.models import Article, Pronunciation
from pipeline.stages.speech import Lexicon, LexiconError, foreign, languages, marks, parse_lexicon, to_script
from pipeline.stages.speech.lexicon_toml import make_entry, validate, with_entries
from pipeline.stages.speech.normalize import speakable, speakable_marked
from pipeline.stages.speech.protect import Vault

NO_LEXICON = Lexicon()

# The measured sets behind foreign.MIN_CONFIDENCE: names and titles German news quotes in
# their language, and German ones of the same shape (capitalised runs without German letters).
FOREIGN_TITLES = {
    "White House Correspondents Association": "en", "Downing Street": "en", "Rassemblement National": "fr",
    "Institute for the Study of War": "en", "Group of Death": "en", "Les Bleus": "fr", "Tour de France": "fr",
    "New York Times": "en", "Real Madrid": "es", "Wall Street Journal": "en", "Human Rights Watch": "en",
    "Federal Reserve": "en", "Supreme Court": "en",
}
GERMAN_NAMES = [
    "Angela Merkel", "Olaf Scholz", "Friedrich Merz", "Boris Pistorius", "Christian Lindner", "Hubertus Heil",
    "Robert Habeck", "Karl Lauterbach", "Volker Wissing", "Steffi Lemke", "Klara Geywitz", "Kai Wegner",
    "Franziska Giffey", "Frank Walter Steinmeier", "Annalena Baerbock", "Lars Klingbeil", "Nancy Faeser",
    "Team Manager", "Deutsche Bank", "Rote Armee", "Berliner Zeitung", "Hamburger Hafen", "Vereinte Nationen",
    "Kieler Woche", "Hertha BSC", "Borussia Dortmund", "Eintracht Frankfurt", "Werder Bremen", "Union Berlin",
]


def spans(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.lang) for s in foreign.find_spans(text)]


# --- letters ---------------------------------------------------------------------------------


def test_letters_german_does_not_write_name_the_languages_that_do() -> None:
    assert foreign.letters(["Jokić"]) == foreign.Letters(frozenset({"hr", "sr", "bs", "pl"}), strong=True)
    # Two letters: only the languages writing both ("š" and "ć": Serbo-Croatian, not Polish).
    assert foreign.letters(["Pešić"]).langs == frozenset({"hr", "sr", "bs"})
    assert foreign.letters(["Wałęsa"]).langs == frozenset({"pl"})
    assert foreign.letters(["Muñoz"]).langs == frozenset({"es"})
    assert foreign.letters(["Pérez"]) == foreign.Letters(frozenset({"fr", "es", "pt", "it"}), strong=False)
    assert foreign.letters(["Müller", "Straße"]) == foreign.Letters(None, strong=False)


# --- candidates ------------------------------------------------------------------------------


def _texts(text: str) -> list[str]:
    return [c.text(text) for c in foreign.candidates(text)]


def test_candidates_are_capitalised_runs_with_foreign_function_words_inside() -> None:
    text = "Laut dem Institute for the Study of War rückt die Armee vor."
    assert _texts(text) == ["Institute for the Study of War"]  # "War" inside a run is not German "war"


def test_a_connector_at_the_end_of_a_run_is_not_part_of_it() -> None:
    assert _texts("Die Chicago Bulls of 2024 spielen.") == ["Chicago Bulls"]


def test_a_german_abbreviation_ends_a_run() -> None:
    # "Nr." is the German rules' ("Nummer"): it must not be read as English.
    assert _texts("Die Downing Street Nr. 10 und die Group of Seven.") == ["Downing Street", "Group of Seven"]
    assert speakable("Die Downing Street Nr. 10.", NO_LEXICON) == "Die Downing Street Nummer zehn."


def test_single_anglicisms_and_german_looking_words_are_never_candidates() -> None:
    assert _texts("Das Handy des Managers lag im Team-Bus.") == []
    assert _texts("Am Montag traf die Deutsche Bahn in München ein.") == []  # "Am": a German opener
    assert _texts("Die Bundesregierung") == []


def test_a_single_name_with_a_letter_german_does_not_write_is_a_candidate() -> None:
    assert _texts("Gegen Jokić war nichts zu machen.") == ["Jokić"]
    assert _texts("Im Café am Markt.") == []  # é alone is a weak letter: Germans say "Café" German


def test_quoted_phrases_are_candidates_as_a_whole() -> None:
    text = "Auf der Kappe stand „Make America Great Again“."
    assert _texts(text) == ["Make America Great Again"]
    assert _texts("Er sagte „Das ist gut“.") == []  # German inside the quotes


# --- identify and language_span --------------------------------------------------------------


def test_identify_picks_among_the_allowed_languages_only() -> None:
    assert foreign.identify("Institute for the Study of War", foreign.DETECTED)[0] == "en"
    assert foreign.identify("Institute for the Study of War", ("de", "fr"))[0] in ("de", "fr")
    lang, confidence = foreign.identify("Bundesministerium für Wirtschaft", foreign.DETECTED)
    assert lang == "de" and confidence > 0.9


def test_a_german_head_word_is_left_out_of_the_span() -> None:
    assert spans("Die Partei Rassemblement National legte zu.") == [("Rassemblement National", "fr")]


def test_one_word_is_never_foreign_by_its_sound_alone() -> None:
    # Left over after a German head word, or next to an initial: the identifier would guess.
    assert spans("Die Hypothese stimmt.") == []
    assert spans("Die Ducati V hat Kraft.") == []
    assert spans("Die Projektkoordinatorin Dora García kam.") == [("Dora García", "es")]
    assert spans("Die Protagonistin Guada Pérez lacht.") == [("Guada Pérez", "es")]


def test_serbo_croatian_names_are_croatian_to_the_voice() -> None:
    assert spans("Nikola Jokić traf, Dejan Pešić nicht.") == [("Nikola Jokić", "hr"), ("Dejan Pešić", "hr")]


@pytest.mark.parametrize(("title", "lang"), FOREIGN_TITLES.items())
def test_foreign_titles_are_found_with_their_language(title: str, lang: str) -> None:
    assert spans(f"Das sagte die {title} am Montag.") == [(title, lang)]


def test_german_names_of_the_same_shape_stay_german() -> None:
    wrong = {name: spans(f"Das sagte {name} am Montag.") for name in GERMAN_NAMES}
    assert {k: v for k, v in wrong.items() if v} == {}


# --- marking ---------------------------------------------------------------------------------


def test_mark_spans_locks_the_span_with_its_language() -> None:
    vault = Vault()
    text = foreign.mark_spans("Die Group of Death wartet.", vault)
    assert "Group" not in text  # locked away from the German rules
    plain, found = marks.unwrap(vault.restore(text))
    assert plain == "Die Group of Death wartet."
    assert found == [(4, 18, "en")]


def test_language_marks_round_trip_and_strip() -> None:
    for code in languages.CODES:
        marked = "a " + marks.wrap_language(code, "Les Bleus") + " b"
        assert marks.unwrap(marked) == ("a Les Bleus b", [(2, 11, code)])
        assert marks.strip(marked) == "a Les Bleus b"


def test_the_german_rules_do_not_touch_a_foreign_span() -> None:
    assert speakable("Er wohnt an der Downing Street.", NO_LEXICON) == "Er wohnt an der Downing Street."
    assert marks.unwrap(speakable_marked("Er wohnt an der Downing Street.", NO_LEXICON))[1] == [(16, 30, "en")]
    assert marks.unwrap(speakable_marked("Die Downing Street.", NO_LEXICON, foreign_spans=False))[1] == []


# --- the Script ------------------------------------------------------------------------------


def _script(text: str, lexicon: Lexicon = NO_LEXICON, **kw: bool):
    return to_script(Article(title=text, blocks=[]), lexicon=lexicon, **kw)


def test_script_carries_the_span_as_a_pronunciation_with_its_language() -> None:
    (seg,) = _script("Laut dem Institute for the Study of War rückt die Armee vor.").segments
    assert seg.text == "Laut dem Institute for the Study of War rückt die Armee vor."
    assert seg.pronunciations == (Pronunciation(9, 39, lang="en"),)
    assert seg.text[9:39] == "Institute for the Study of War"
    assert seg.written == "Laut dem Institute for the Study of War rückt die Armee vor."


def test_foreign_spans_can_be_turned_off() -> None:
    (seg,) = _script("Laut dem Institute for the Study of War rückt die Armee vor.", foreign_spans=False).segments
    assert seg.pronunciations == ()


def test_pronunciation_key_changes_with_language_only_when_there_is_one() -> None:
    assert Pronunciation(0, 3, "x", "y").key() == "0:3:x\x1fy"  # the key (and cache) it always had
    assert Pronunciation(0, 3, lang="en").key() != Pronunciation(0, 3, lang="fr").key()


# --- the lexicon's language entries ---------------------------------------------------------

LEXICON = """
[[entry]]
match = "Leavitt"
type = "language"
lang = "en"

[[entry]]
match = "Downing Street"
type = "language"
lang = "de"
"""


def test_a_language_entry_marks_its_word_in_that_language() -> None:
    lexicon = parse_lexicon(LEXICON)
    (seg,) = _script("Sprecherin Karoline Leavitt sagte das.", lexicon).segments
    assert seg.text == "Sprecherin Karoline Leavitt sagte das."
    assert seg.pronunciations == (Pronunciation(20, 27, lang="en"),)


def test_a_german_language_entry_keeps_a_span_german() -> None:
    lexicon = parse_lexicon(LEXICON)
    (seg,) = _script("Er wohnt an der Downing Street.", lexicon).segments
    assert seg.pronunciations == ()
    (seg,) = _script("Er wohnt an der Downing Street.").segments
    assert seg.pronunciations == (Pronunciation(16, 30, lang="en"),)  # without the entry


def test_language_entries_are_validated_with_a_clear_message() -> None:
    with pytest.raises(LexiconError, match=r"entry 1 \('Leavitt'\).*unknown language 'xx' \(one of de, en"):
        validate('[[entry]]\nmatch = "Leavitt"\ntype = "language"\nlang = "xx"\n')
    with pytest.raises(LexiconError, match="needs 'lang'"):
        validate('[[entry]]\nmatch = "Leavitt"\ntype = "language"\n')
    with pytest.raises(LexiconError, match="'lang' belongs to a language entry"):
        validate('[[entry]]\nmatch = "Leavitt"\nsay = "Liwitt"\nlang = "en"\n')
    assert validate('[[entry]]\nmatch = "Leavitt"\ntype = "language"\nlang = "EN"\n').entries[0].lang == "en"


def test_language_entries_from_form_fields_and_back_to_toml() -> None:
    entry = make_entry({"match": "Les Bleus", "kind": "language", "lang": "fr", "whole_word": "on"})
    assert (entry.kind, entry.lang) == ("language", "fr")
    text = with_entries("# header\n", [entry])
    assert 'type = "language"\nlang = "fr"' in text
    assert validate(text).entries == (entry,)


def test_entries_without_a_language_keep_their_lexicon_version() -> None:
    # The version is a hash of the entries: the new field must not change old lexicons' hashes
    # (that would list every published article for regeneration).
    old = parse_lexicon('[[entry]]\nmatch = "Kyjiw"\nsay = "Kiew"\n')
    fields = {"match": "Kyjiw", "kind": "substitute", "say": "Kiew", "espeak": "", "ipa": "",
              "case_sensitive": True, "whole_word": True}  # every field an entry had before issue 21
    canon = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    assert old.version == hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]

"""Unit tests of the speech rules behind the golden classes of issue "what the listener hears":
each rule's own function, with its cases, apart from the whole normaliser."""

from __future__ import annotations

import pytest

from pipeline.stages.speech import initials


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

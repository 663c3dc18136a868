"""Article -> Script: segment kinds, pauses, limits, and the seed article end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.models import Article, Block
from pipeline.stages.speech import Lexicon, load_lexicon, normalize, to_script

SEED = (Path(__file__).parents[1] / "fixtures" / "speech" / "ntv-seed-article.txt").read_text(encoding="utf-8")


def seed_article() -> Article:
    paragraphs = [p.strip() for p in SEED.split("\n\n") if p.strip()]
    return Article(
        title="Russland und Iran planen großes Militärabkommen",
        kicker="Nachschub für die Front? ISW",
        lead=paragraphs[0],
        blocks=[Block("heading", "Vertrag im Frühjahr 2024?")] + [Block("paragraph", p) for p in paragraphs[1:]],
    )


def test_kinds_and_pauses() -> None:
    article = Article(
        title="Zwei Sätze",
        lead="Der Vorspann.",
        blocks=[
            Block("paragraph", "Satz eins. Satz 2."),
            Block("heading", "Zwischentitel"),
            Block("paragraph", "Nur ein Satz."),
        ],
    )
    script = to_script(article, lexicon=Lexicon(), pause_title_ms=900, pause_paragraph_ms=700, pause_sentence_ms=250)
    assert [(s.kind, s.text, s.pause_after_ms) for s in script.segments] == [
        ("title", "Zwei Sätze", 900),
        ("lead", "Der Vorspann.", 700),
        ("paragraph", "Satz eins.", 250),
        ("paragraph", "Satz zwei.", 700),
        ("heading", "Zwischentitel", 700),
        ("paragraph", "Nur ein Satz.", 700),
    ]
    assert script.language == "de"


def test_the_kicker_leads_into_the_title() -> None:
    article = Article(title="Russland plant Abkommen", kicker="ISW", blocks=[])
    script = to_script(article, lexicon=Lexicon())
    assert [s.text for s in script.segments] == ["Ih-Ess-Weh: Russland plant Abkommen"]
    assert script.segments[0].pause_after_ms == 900


def test_pause_settings_are_used() -> None:
    article = Article(title="T", blocks=[Block("paragraph", "Eins. Zwei.")])
    script = to_script(article, lexicon=Lexicon(), pause_title_ms=1, pause_paragraph_ms=2, pause_sentence_ms=3)
    assert [s.pause_after_ms for s in script.segments] == [1, 3, 2]


def test_a_long_sentence_is_cut_at_clauses_with_a_comma_pause() -> None:
    sentence = (
        "Russland und der Iran bereiten sich auf die Unterzeichnung eines Vertrages vor, "
        "um die militärisch-technologische Zusammenarbeit weiter auszubauen, berichten die Experten."
    )
    article = Article(title="T", blocks=[Block("paragraph", sentence)])
    script = to_script(article, lexicon=Lexicon(), max_chars=100)
    body = [s for s in script.segments if s.kind == "paragraph"]
    assert [s.text for s in body] == [
        "Russland und der Iran bereiten sich auf die Unterzeichnung eines Vertrages vor,",
        "um die militärisch-technologische Zusammenarbeit weiter auszubauen, berichten die Experten.",
    ]
    assert [s.pause_after_ms for s in body] == [150, 700]


def test_seed_article_is_fully_speakable() -> None:
    script = to_script(seed_article(), lexicon=load_lexicon(), max_chars=180)
    text = " ".join(s.text for s in script.segments)
    assert not re.search(r"[0-9§%€$]", text)
    assert all(len(s.text) <= 180 for s in script.segments)
    for phrase in [
        "Institute for the Study of War, Ih-Ess-Weh.",
        "im Frühjahr zweitausend vierund zwanzig",
        "im Dezember zweitausend dreiund zwanzig",
        "Tausende iranische Shahed-Kamikaze-Drohnen",
        "Verteidigungsminister Sergei Schojgu",
        "Grundprinzipien der russisch-iranischen Beziehungen",
        "Uh-Ess-Beamte",
        "Quelle: n-tv Punkt de, mba",
    ]:
        assert phrase in text
    assert script.segments[0].kind == "title"
    assert script.segments[0].text == "Nachschub für die Front?"
    assert script.segments[1].text == "Ih-Ess-Weh: Russland und Iran planen großes Militärabkommen"
    assert [s.kind for s in script.segments].count("heading") == 1
    assert script.lexicon_version == load_lexicon().version


def test_normalize_gives_one_segment_per_sentence() -> None:
    assert normalize("Erster Satz. Zweiter Satz!\n\nNeuer Absatz?", lexicon=Lexicon()) == [
        "Erster Satz.",
        "Zweiter Satz!",
        "Neuer Absatz?",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Am 17. Juni kam es. Dann ging er.", ["Am siebzehnten Juni kam es.", "Dann ging er."]),
        ("Er kam z.B. aus Berlin. Sie nicht.", ["Er kam zum Beispiel aus Berlin.", "Sie nicht."]),
        ("Dr. Meier kam. Prof. Schmidt nicht.", ["Doktor Meier kam.", "Professor Schmidt nicht."]),
        ("Die 2. Liga ruft. Wer kommt?", ["Die zweite Liga ruft.", "Wer kommt?"]),
        ("Das war 2024. Das ist heute.", ["Das war zweitausend vierund zwanzig.", "Das ist heute."]),
        ("Karl V. regierte. Lange.", ["Karl der Fünfte regierte.", "Lange."]),
        # Abbreviations no list knows: no vowel, or a single capital (an initial).
        ("Er traf Hptm. Meier. Dann ging er.", ["Er traf Hptm. Meier.", "Dann ging er."]),
        ("Kess, Vertr. d. Klägers, griff an. Er siegte.", ["Kess, Vertr. d. Klägers, griff an.", "Er siegte."]),
        ("A. Merkel sprach. Er nicht.", ["A. Merkel sprach.", "Er nicht."]),
    ],
)
def test_never_split_at_an_abbreviation_or_ordinal_dot(text: str, expected: list[str]) -> None:
    assert normalize(text, lexicon=Lexicon()) == expected


def test_a_word_longer_than_the_limit_is_the_only_hard_cut() -> None:
    word = "Donaudampfschifffahrtsgesellschaftskapitän"
    segments = normalize(f"Der {word} kam.", lexicon=Lexicon(), max_chars=20)
    assert all(len(s) <= 20 for s in segments)
    assert "".join(segments).replace(" ", "") == f"Der{word}kam."


def test_long_sentences_are_cut_into_balanced_clauses() -> None:
    # Greedy filling cut after "senken," (99 characters) and left "sagte er." alone.
    sentence = (
        "Die Regierung hat am Montag nach langen Beratungen im Kabinett beschlossen, "
        "die Steuern zu senken, sagte er."
    )
    assert normalize(sentence, lexicon=Lexicon(), max_chars=100) == [
        "Die Regierung hat am Montag nach langen Beratungen im Kabinett beschlossen,",
        "die Steuern zu senken, sagte er.",
    ]


def test_balanced_cuts_still_use_as_few_pieces_as_the_limit_allows() -> None:
    # 323 characters: greedy filling gave 134, 134 and 53; three even thirds are heard.
    sentence = ", ".join(["die Lage blieb angespannt"] * 12) + "."
    pieces = normalize(sentence, lexicon=Lexicon(), max_chars=150)
    assert len(pieces) == 3
    assert all(len(p) <= 150 for p in pieces)
    assert max(map(len, pieces)) - min(map(len, pieces)) < 30
    assert all(p.endswith((",", ".")) for p in pieces)

"""The editors' pronunciation lexicon: entry types, flags, versions, regeneration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.stages.speech import Entry, Lexicon, LexiconError, load_lexicon, normalize, parse_lexicon
from pipeline.stages.speech.lexicon import DEFAULT_PATH

FIXTURES = Path(__file__).parents[1] / "fixtures" / "speech"


def say(text: str, lexicon: Lexicon) -> str:
    return " | ".join(normalize(text, lexicon=lexicon))


def lex(*entries: Entry) -> Lexicon:
    return Lexicon(list(entries))


def test_the_bundled_lexicon_lives_with_the_voices_and_holds_every_entry_type() -> None:
    assert DEFAULT_PATH.parts[-3:] == ("voices", "lexicon", "de.toml")
    lexicon = load_lexicon()
    assert {e.kind for e in lexicon.entries} == {"substitute", "spell", "word", "phonemes", "language"}
    assert len(lexicon.version) == 16


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sergei Schoigu sprach.", "Sergei Schojgu sprach."),
        ("Der Schoigu-Nachfolger sprach.", "Der Schojgu-Nachfolger sprach."),
        ("Das sagt ntv.", "Das sagt n-tv."),
        ("Das sagt die UEFA.", "Das sagt die Uefa."),
        ("Das meldet das ISW.", "Das meldet das Ih-Ess-Weh."),
        ("Ali Chamenei sprach.", "Ali Chamenei sprach."),
    ],
)
def test_bundled_entries(text: str, expected: str) -> None:
    assert say(text, load_lexicon()) == expected


def test_substitute_is_whole_word_and_case_sensitive_by_default() -> None:
    lexicon = lex(Entry("ntv", say="n-tv"))
    assert say("Das sagt ntv heute.", lexicon) == "Das sagt n-tv heute."
    assert say("Das sagt NTV heute.", lexicon) == "Das sagt Enn-Teh-Fau heute."
    assert say("Das sagt antvx heute.", lexicon) == "Das sagt antvx heute."


def test_case_insensitive_entry() -> None:
    lexicon = lex(Entry("ntv", say="n-tv", case_sensitive=False))
    assert say("Das sagt NTV heute.", lexicon) == "Das sagt n-tv heute."


def test_entry_inside_words_when_not_whole_word() -> None:
    lexicon = lex(Entry("Schoigu", say="Schojgu", whole_word=False))
    assert say("Schoigus Rede.", lexicon) == "Schojgus Rede."
    assert say("Schoigus Rede.", lex(Entry("Schoigu", say="Schojgu"))) == "Schoigus Rede."


def test_spell_and_word_entries_override_the_acronym_lists() -> None:
    assert say("Die NATO tagt.", lex(Entry("NATO", kind="spell"))) == "Die Enn-Ah-Teh-Oh tagt."
    assert say("Die ARD sendet.", lex(Entry("ARD", kind="word"))) == "Die Ard sendet."
    assert say("Die Taz schreibt.", lex(Entry("Taz", kind="spell", say="TAZ"))) == "Die Teh-Ah-Zett schreibt."


def test_phoneme_entries_keep_phonemes_and_give_text_voices_the_text_form() -> None:
    entry = Entry("Chamenei", kind="phonemes", espeak="[[xa'me:nEI]]", ipa="xaˈmeːnɛɪ̯", say="Chamene-i")
    lexicon = lex(entry)
    assert say("Chamenei sprach.", lexicon) == "Chamene-i sprach."
    assert lexicon.phonemes("Chamenei") is entry
    assert lexicon.phonemes("Putin") is None


def test_lexicon_output_is_final() -> None:
    # A substitute's capitals are not respelled; only the last resort still reads a digit.
    lexicon = lex(Entry("Berlin", say="BER 2"))
    assert say("Ab Berlin fahren.", lexicon) == "Ab BER zwei fahren."


def test_longest_entry_wins() -> None:
    lexicon = lex(Entry("War", say="Wor"), Entry("Study of War", say="Stadi of Wor"))
    assert say("Das Study of War sagt.", lexicon) == "Das Stadi of Wor sagt."


def test_version_is_a_content_hash_of_the_entries() -> None:
    a = lex(Entry("Schoigu", say="Schojgu"), Entry("ntv", say="n-tv"))
    same_reordered = lex(Entry("ntv", say="n-tv"), Entry("Schoigu", say="Schojgu", note="new remark"))
    changed = lex(Entry("Schoigu", say="Schoj-gu"), Entry("ntv", say="n-tv"))
    flag_changed = lex(Entry("Schoigu", say="Schojgu", whole_word=False), Entry("ntv", say="n-tv"))
    assert a.version == same_reordered.version
    assert len({a.version, changed.version, flag_changed.version, Lexicon().version}) == 4


def test_comments_in_the_file_do_not_change_the_version() -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert parse_lexicon("# a new remark\n" + text).version == load_lexicon().version
    assert parse_lexicon(text.replace('say = "Schojgu"', 'say = "Schoigu"')).version != load_lexicon().version


def test_script_records_the_lexicon_version() -> None:
    from pipeline.models import Article, Block
    from pipeline.stages.speech import to_script

    article = Article(title="Schoigu spricht", blocks=[Block("paragraph", "Text.")])
    assert to_script(article, lexicon=load_lexicon()).lexicon_version == load_lexicon().version
    assert to_script(article).lexicon_version == load_lexicon().version
    assert to_script(article, lexicon=Lexicon()).lexicon_version == Lexicon().version


ARTICLES = {
    "seed": (FIXTURES / "ntv-seed-article.txt").read_text(encoding="utf-8"),
    "schoigu-only": "Schoigu traf Aschtiani in Teheran.",
    "kremlin": "Der Kreml schweigt zu den Berichten.",
    "ntv-only": "Das berichtet ntv am Montag.",
    "unrelated": "In Hamburg regnet es seit Tagen.",
    "schoigus": "Schoigus Rede war kurz.",
}


def test_changed_entries_list_exactly_the_articles_whose_speech_changes() -> None:
    old = lex(Entry("Schoigu", say="Schojgu"), Entry("ntv", say="n-tv"), Entry("Putin", say="Putin"))
    new = lex(
        Entry("Schoigu", say="Schoj-gu"),  # changed
        Entry("Putin", say="Putin"),  # unchanged
        Entry("Kreml", say="Kremmel"),  # added
    )  # "ntv" removed
    changed = new.changed_entries(old)
    assert {e.match for e in changed} == {"Schoigu", "ntv", "Kreml"}
    assert {e.say for e in changed if e.match == "Schoigu"} == {"Schojgu", "Schoj-gu"}
    assert old.changed_entries(old) == []

    touched = {name for name, text in ARTICLES.items() if any(e.matches(text) for e in changed)}
    assert touched == {"seed", "schoigu-only", "kremlin", "ntv-only"}
    # And that is exactly where the spoken text differs.
    differs = {name for name, text in ARTICLES.items() if normalize(text, lexicon=old) != normalize(text, lexicon=new)}
    assert differs == touched


def test_matches_honours_the_flags() -> None:
    assert Entry("Schoigu", say="x").matches("Schoigu-Nachfolger")
    assert not Entry("Schoigu", say="x").matches("Schoigus")
    assert Entry("Schoigu", say="x", whole_word=False).matches("Schoigus")
    assert not Entry("ntv", say="x").matches("NTV")
    assert Entry("ntv", say="x", case_sensitive=False).matches("NTV")


@pytest.mark.parametrize(
    "toml",
    [
        '[[entry]]\nmatch = "x"\ntype = "shout"\nsay = "y"',
        '[[entry]]\nmatch = "x"',  # a substitute without "say"
        '[[entry]]\nmatch = ""\nsay = "y"',
        '[[entry]]\nmatch = "x"\nsay = "y"\ncolour = "red"',
        "[[entry]\nmatch =",
    ],
)
def test_bad_entries_are_refused_with_a_reason(toml: str) -> None:
    with pytest.raises(LexiconError):
        parse_lexicon(toml)


def test_load_lexicon_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[entry]]\nmatch = "Kreml"\nsay = "Kremmel"\n', encoding="utf-8")
    lexicon = load_lexicon(path)
    assert say("Der Kreml schweigt.", lexicon) == "Der Kremmel schweigt."


# --- the fast lexicon regex finds exactly what the plain one would ------------------------
_WORDS = ["Kiew", "kiew", "KIEW", "\u212aiew", "İst", "ist", "Ist", "ſo", "So", "so", "ntv", "n", "tv", "a-b"]
_FLAGS = st.tuples(st.sampled_from(_WORDS), st.booleans(), st.booleans())


def _plain_regex(lexicon: Lexicon) -> re.Pattern[str]:
    """The obvious form of the lexicon's search, which lexicon._compile must equal."""
    ordered = sorted(lexicon.entries, key=lambda e: -len(e.match))
    start, stop = r"(?<![\w\ue000-\uf8ff])", r"(?![\w\ue000-\uf8ff])"
    whole = "|".join(f"(?P<e{i}>{e.core})" for i, e in enumerate(ordered) if e.whole_word)
    part = "|".join(f"(?P<e{i}>{e.core})" for i, e in enumerate(ordered) if not e.whole_word)
    return re.compile("|".join(([f"{start}(?:{whole}){stop}"] if whole else []) + ([part] if part else [])))


@settings(max_examples=150, deadline=None)
@given(st.lists(_FLAGS, min_size=1, max_size=5, unique_by=lambda f: f[0]),
       st.lists(st.sampled_from([*_WORDS, " ", "-", "x", "\n", "."]), max_size=12))
def test_fast_lexicon_search_equals_the_plain_one(flags: list[tuple[str, bool, bool]], pieces: list[str]) -> None:
    lexicon = Lexicon([Entry(w, say=f"<{w}>", case_sensitive=cs, whole_word=ww) for w, cs, ww in flags])
    text = "".join(pieces)
    plain = [(m.span(), m.lastgroup) for m in _plain_regex(lexicon).finditer(text)]
    fast = [(m.span(), m.lastgroup) for m in lexicon._regex.finditer(text)]
    assert fast == plain

"""Segments remember their paragraph and the sentence as the article wrote it."""

from __future__ import annotations

from dataclasses import replace

from pipeline.models import Article, Block, Script
from pipeline.stages.speech import Lexicon, to_script
from pipeline.stages.speech.written import written_sentences


def pairs(article: Article, **kw) -> list[tuple[int, str, str]]:
    return [(s.block, s.text, s.written) for s in to_script(article, lexicon=Lexicon(), **kw).segments]


def test_each_spoken_sentence_gets_its_written_sentence():
    text = (
        "Dr. Müller kam am 3. Okt. 2024 um 14 Uhr. Er sagte: „Das ist gut.“ Die Abt. Verkauf war zu. "
        "Die NATO zahlt 5 Mio. €. Ende!"
    )
    got = pairs(Article(title="T", blocks=[Block("paragraph", text)]))[1:]
    assert [w for _, _, w in got] == [
        "Dr. Müller kam am 3. Okt. 2024 um 14 Uhr.",
        "Er sagte: „Das ist gut.“",
        "Die Abt. Verkauf war zu.",
        "Die NATO zahlt 5 Mio. €.",
        "Ende!",
    ]
    assert got[0][1].startswith("Doktor Müller kam am dritten Oktober")
    assert got[3][1] != got[3][2]  # spoken differently, shown as written


def test_blocks_are_numbered_title_lead_then_each_block():
    blocks = [Block("heading", "Zwischen 2"), Block("paragraph", "Eins.")]
    with_lead = Article(title="Titel", lead="Vorspann.", blocks=blocks)
    assert [(b, w) for b, _, w in pairs(with_lead)] == [(0, "Titel"), (1, "Vorspann."), (2, "Zwischen 2"), (3, "Eins.")]
    no_lead = Article(title="Titel", blocks=[Block("paragraph", "Eins. Zwei.")])
    assert [(b, w) for b, _, w in pairs(no_lead)] == [(0, "Titel"), (1, "Eins."), (1, "Zwei.")]


def test_the_chunks_of_a_long_sentence_share_it():
    sentence = (
        "Russland und der Iran bereiten sich auf die Unterzeichnung eines Vertrages vor, "
        "um die militärisch-technologische Zusammenarbeit weiter auszubauen, berichten die Experten."
    )
    body = pairs(Article(title="T", blocks=[Block("paragraph", sentence)]), max_chars=100)[1:]
    assert len(body) == 2 and {w for _, _, w in body} == {sentence}


def test_a_kicker_and_title_are_the_title_block_in_written_form():
    got = pairs(Article(title="Russland plant Abkommen", kicker="ISW", blocks=[]))
    assert got == [(0, "Ih-Ess-Weh: Russland plant Abkommen", "ISW: Russland plant Abkommen")]


def test_written_text_does_not_change_the_script_hash():
    article = Article(title="T", lead="Am 3. Mai.", blocks=[Block("paragraph", "Die NATO. 5 km.")])
    script = to_script(article, lexicon=Lexicon())
    bare = Script([replace(s, written="", block=0) for s in script.segments], script.lexicon_version)
    assert script.text_hash() == bare.text_hash()


def test_written_sentences_cut_at_likely_ends():
    cut = written_sentences("Eins. Zwei? „Drei!“ 2024 war gut.\nNeu")
    assert cut == ["Eins.", "Zwei?", "„Drei!“", "2024 war gut.", "Neu"]

"""The extract stage as a listener notices it: what is heard, in what order, and what not."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.models import Article
from pipeline.stages.extract import extract, is_german, render_text

FIXTURES = Path(__file__).parents[1] / "fixtures" / "extract"
NTV_URL = "https://www.n-tv.de/politik/ISW-Russland-und-Iran-planen-grosses-Militaerabkommen-article24000000.html"

SEED_LEAD = (
    "Die Bande zwischen Moskau und Teheran werden immer enger. Vor allem im Bereich der "
    "militärischen Zusammenarbeit sollen sich die Beziehungen noch weiter intensivieren. Das will "
    "man künftig auch vertraglich festhalten, so die Experten vom Institute for the Study of War."
)
CAPTION = "Wladimir Putin und Irans Staatsoberhaupt Ali Chamenei bei einer Zusammenkunft 2022."


@pytest.fixture(scope="module")
def seed() -> Article:
    return extract((FIXTURES / "ntv_seed.html").read_bytes(), NTV_URL)


def test_seed_title_is_headline_with_kicker_apart(seed: Article) -> None:
    assert seed.title == "ISW: Russland und Iran planen großes Militärabkommen"
    assert seed.kicker == "Nachschub für die Front?"
    assert seed.spoken_title == "Nachschub für die Front? ISW: Russland und Iran planen großes Militärabkommen"


def test_seed_lead_is_kept_once_and_body_follows_in_order(seed: Article) -> None:
    assert seed.lead == SEED_LEAD
    assert all(b.text != SEED_LEAD for b in seed.blocks)
    assert [b.text[:30] for b in seed.paragraphs and seed.blocks] == [
        "Russland und der Iran bereiten",
        "In Telefongesprächen haben der",
        "Die erneuten Gespräche über ei",
        "Die Bande zwischen Moskau und ",
    ]
    assert all(b.kind == "paragraph" for b in seed.blocks)


def test_seed_real_repetition_is_kept(seed: Article) -> None:
    # The lead's first sentence opens the last paragraph again; the author meant it.
    opening = "Die Bande zwischen Moskau und Teheran werden immer enger."
    assert render_text(seed).count(opening) == 2


@pytest.mark.parametrize(
    "leak",
    [
        "Politik\n",
        "00:00",
        "Diese Audioversion wurde künstlich generiert",
        "Mehr Infos",
        CAPTION,
        "(Foto: IMAGO/ZUMA Wire)",
        "Quelle: ntv.de",
        "Newsletter",
        "Ich möchte gerne Nachrichten",
        "Nicht mehr anzeigen",
        "Mehr zum Thema",
        "Iran liefert Raketen an Russland",
        "16.01.2024",
    ],
)
def test_seed_boilerplate_is_not_heard(seed: Article, leak: str) -> None:
    assert leak not in render_text(seed) + "\n"


def test_seed_metadata_and_path(seed: Article) -> None:
    assert seed.extractor == "site:ntv"
    assert seed.language == "de" and is_german(seed)
    assert seed.canonical_url.endswith("article24000000.html")
    assert seed.published is not None and seed.published.year == 2024
    assert seed.image.endswith("putin-chamenei.jpg")


def test_render_text_is_title_lead_blocks_blank_line_separated(seed: Article) -> None:
    parts = render_text(seed).split("\n\n")
    assert parts[0] == seed.spoken_title
    assert parts[1] == seed.lead
    assert parts[2:] == [b.text for b in seed.blocks]


def test_ntv_rule_found_from_canonical_when_no_url_given() -> None:
    article = extract((FIXTURES / "ntv_seed.html").read_bytes())
    assert article.extractor == "site:ntv"


def test_ntv_layout_b_with_generated_class_names() -> None:
    article = extract((FIXTURES / "ntv_layout_b.html").read_text(encoding="utf-8"))
    assert article.extractor == "site:ntv"
    assert article.kicker == "Mehr Platz fürs Rad"
    assert article.title == "Stadtrat beschließt neue Radwege"
    assert article.lead.startswith("Der Stadtrat hat am Abend")
    assert [b.kind for b in article.blocks] == ["paragraph", "heading", "paragraph", "paragraph"]
    assert article.blocks[1].text == "Kritik von der Opposition"
    heard = render_text(article)
    for leak in ("Quelle:", "(Foto:", "Radfahrer auf einer Kreuzung", "Artikel anhören", "03:15",
                 "Wo Radfahren", "Facebook", "Radverkehr"):
        assert leak not in heard


GENERIC = (FIXTURES / "generic_hochwasser.html").read_text(encoding="utf-8")


def test_generic_page_gets_metadata_title_and_lead_from_og_description() -> None:
    article = extract(GENERIC, "https://www.beispielzeitung.de/lokales/hochwasser-123")
    assert article.extractor == "trafilatura"
    assert article.title == "Pegel am Rhein steigt weiter"
    assert article.kicker == "Hochwasser"
    assert article.lead.startswith("Nach tagelangem Regen steigt der Rhein")
    assert any("og:description" in note for note in article.notes)
    assert article.blocks[0].text.startswith("Der Pegel in Köln")
    assert ("heading", "Schifffahrt eingeschränkt") in [(b.kind, b.text) for b in article.blocks]


@pytest.mark.parametrize(
    "leak", ["Stand:", "Von Anna Beispiel", "Mehr zum Thema", "Ein Klick für den Datenschutz", "dpa-infocom",
             "Impressum"],
)
def test_generic_page_boilerplate_is_not_heard(leak: str) -> None:
    assert leak not in render_text(extract(GENERIC, "https://www.beispielzeitung.de/a"))


def test_operator_rule_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "beispiel.toml").write_text(
        'domains = ["beispielzeitung.de"]\n'
        "drop_lines = ['^Die Feuerwehr']\n"
        "[[layouts]]\n"
        'container = "article"\n'
        'blocks = "p, h2"\n',
        encoding="utf-8",
    )
    article = extract(GENERIC, "https://www.beispielzeitung.de/a", rules_dir=tmp_path)
    assert article.extractor == "site:beispiel"
    heard = render_text(article)
    assert "Die Feuerwehr ist mit zusätzlichen Kräften" not in heard  # the operator's drop line
    assert "Die Stadt hat begonnen" in heard
    assert "Stand:" not in heard and "dpa-infocom" not in heard  # the family filter still runs

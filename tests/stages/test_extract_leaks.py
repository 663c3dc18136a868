"""Leaks a listener would hear on real pages, one test per family: the line is gone, the
article text around it stays. Pages are from the fundus set (tests/fixtures/fundus)."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import pytest

from pipeline.models import Article, Block
from pipeline.stages.extract import extract, render_text
from pipeline.stages.extract.lines import filter_blocks
from pipeline.stages.extract.meta import parse_tree
from pipeline.stages.extract.prune import prune

FUNDUS = Path(__file__).parents[1] / "fixtures" / "fundus"


@cache
def page(name: str) -> Article:
    return extract(gzip.decompress((FUNDUS / f"{name}.html.gz").read_bytes()))


def heard(name: str) -> str:
    return render_text(page(name))


def test_donation_appeal_box_is_gone_and_the_last_paragraph_stays() -> None:
    text = heard("de/Taz_2024_10_23")
    assert "Links lesen, Rechts bekämpfen" not in text
    assert "braucht es Zusammenhalt und Solidarität" not in text
    assert "Jetzt unterstützen" not in text
    assert "Probeabo" not in text
    # The paragraph just before the box, and the subheading before it.
    assert "ist man in der Koalition hoffentlich" in text
    assert "Sonderklausel beim Hausrecht" in text


def test_a_drop_cap_is_spoken_as_part_of_its_word() -> None:
    text = heard("de/Taz_2024_10_23")
    assert "Na endlich! Es gibt einen Referentenentwurf" in text
    assert "N a endlich" not in text


def test_drop_cap_glue_leaves_a_one_letter_word_elsewhere_alone() -> None:
    html = (
        "<html><body><p><span class='dropcap'><span>D</span></span> <span>ie Wahl</span></p>"
        "<p>Plan <span class='universal'>B</span> gilt.</p></body></html>"
    )
    pruned, _ = prune(parse_tree(html))
    assert [p.text_content() for p in pruned.iter("p")] == ["Die Wahl", "Plan B gilt."]


def test_newsletter_signup_box_goes_with_its_pitch() -> None:
    text = heard("de/WAZ_2025_11_06")
    assert "Ein FUNKE Liebe" not in text
    assert "Antworten auf Beziehungsfragen" not in text
    assert "Figurenpaar aus Stein" in text  # the paragraph before the box
    assert "In der nahegelegenen Stadt Petnal" in text  # and the one after it
    assert "Hinter den Kulissen der Politik" not in heard("de/BSZ_2025_09_09")


def test_trial_offer_and_solidarity_appeal_are_gone() -> None:
    assert "Testen Sie für zwei Wochen die gedruckte Zeitung" not in heard("de/JungeWelt_2024_04_26")
    text = heard("de/JungeWelt_2026_05_18")
    assert "Das Verwaltungsgericht Berlin hat entschieden" not in text
    assert "Nairobi" in page("de/JungeWelt_2026_05_18").title


def test_chart_title_goes_with_its_consent_placeholder() -> None:
    text = heard("de/ZDF_2024_04_22")
    assert "Rangfolge deutscher Außenhandelspartner 2023" not in text
    assert "ZDFheute Infografik" not in text
    assert "Für die Darstellung von ZDFheute Infografiken" not in text
    # The paragraphs either side of the chart.
    assert "lag der Iran im Jahr 2023 auf Rang 66" in text
    assert "EU-weit war Deutschland laut eines Berichts" in text


def test_author_box_under_die_autorin_is_gone() -> None:
    text = heard("at/DiePresse_2025_06_05")
    assert "Die Autorin" not in text
    assert "war Direktorin für politische Planung" not in text
    assert "Aber sein Nachfolger vielleicht schon." in text


def test_appeal_box_goes_but_a_short_article_beside_it_stays() -> None:
    # The page wraps article and box in one short <div>: only the box may go, and an inline
    # link that merely mentions support is article text.
    prose = "Der Verein bittet darum, die Tafel mit Lebensmitteln und Geld zu unterstützen, " * 2
    html = (
        "<html><body><div class='story'>"
        f"<p>{prose}<a href='/x'>unterstützen und spenden</a>, sagte die Vorsitzende.</p>"
        f"<p>{prose}</p><p>{prose}</p><p>{prose}</p>"
        "<div><p>Spenden Sie für unseren Journalismus.</p><a href='/abo'>Jetzt unterstützen</a></div>"
        "</div></body></html>"
    )
    pruned, removed = prune(parse_tree(html))
    assert removed == ["Spenden Sie für unseren Journalismus.Jetzt unterstützen"]
    assert pruned.text_content().count("sagte die Vorsitzende") == 1
    assert pruned.text_content().count("Tafel mit Lebensmitteln") == 8


def test_person_bio_under_a_photo_is_gone() -> None:
    text = heard("de/ZDF_2025_11_07")
    assert "ist Senior Fellow bei der Münchner Sicherheitskonferenz" not in text
    assert text.count("\n\n") >= 5  # the article around it is still there


def test_video_teasers_with_date_and_running_time_are_gone() -> None:
    text = heard("de/ZDF_2024_04_22")
    assert "17.04.2024 | 6:00 min" not in text
    assert "18.04.2024 | 0:21 min" not in text
    assert "Die Bedeutung des Handelspartners Iran für Deutschland" in text


def test_one_word_list_items_after_a_colon_stay() -> None:
    # "Exportiert wurden dabei vor allem:" then "Maschinen", "pharmazeutische Erzeugnisse" ...
    blocks = [b.text for b in page("de/ZDF_2024_04_22").blocks]
    start = blocks.index("Exportiert wurden dabei vor allem:")
    assert blocks[start + 1 : start + 4] == ["Maschinen", "pharmazeutische Erzeugnisse", "chemische Erzeugnisse"]
    assert "Textilien" in blocks


def filtered(*texts: str, kinds: str = "") -> list[str]:
    kinds = kinds or "p" * len(texts)
    blocks = [Block("heading" if k == "h" else "paragraph", t) for k, t in zip(kinds, texts, strict=True)]
    return [b.text for b in filter_blocks(blocks).blocks]


BODY = "Die Feuerwehr rückte am Abend mit vier Fahrzeugen aus und löschte den Brand im Dachstuhl."


@pytest.mark.parametrize(
    "line",
    [
        "Lesedauer: 4 Minuten",
        "(dmk)",
        "MDR (Engin Haupt, Alisa Sonntag)",
        "Sendung: Antenne Brandenburg, 24.04.2024, 15:10 Uhr",
        "Übersetzung: Tristan Muster, Redaktion: Theresa Beispiel, Audioversion: Iris Probe",
        "Dieser Artikel ist zuerst bei \"Capital\" erschienen.",
        "Capital ist eine Partnermarke des stern, beide gehören zu RTL News. Mehr aus der Welt der Wirtschaft.",
        "Mit Informationen der ARD-Korrespondentinnen und -Korrespondenten sowie der Nachrichtenagenturen.",
        "Haben Sie Hinweise? Melden Sie sich vertraulich und sicher via Signal bei unserem Reporter.",
        "Anne Muster (*1958) war Direktorin für politische Planung im Außenministerium.",
        "... ist Senior Fellow bei einer Stiftung. Von 2004 bis 2006 forschte er in Sankt Petersburg.",
        "Exklusive Politik-Hintergründe – für Sie recherchiert",
        "nytimes.com:",
    ],
)
def test_credit_bio_and_promo_lines_go_and_the_paragraphs_around_stay(line: str) -> None:
    assert filtered(BODY, line, BODY + " Danach") == [BODY, BODY + " Danach"]


def test_a_long_investment_disclaimer_goes() -> None:
    disclaimer = (
        "Geldanlagen aller Art sind mit einem Risiko verbunden, bis hin zum Totalverlust des eingesetzten "
        "Kapitals. Wer einen Kredit aufnimmt, sollte die Raten und alle Nebenkosten genau durchrechnen und "
        "seine finanzielle Lage ehrlich prüfen. Die veröffentlichten Texte, Zahlen und Einschätzungen ersetzen "
        "keine persönliche Beratung durch eine Fachperson und sind keine Aufforderung zum Kauf oder Verkauf "
        "von Wertpapieren. Für Entscheidungen, die auf ihrer Grundlage getroffen werden, übernimmt die "
        "Redaktion keine Haftung."
    )
    assert 450 < len(disclaimer) < 700
    assert filtered(BODY, disclaimer, BODY + " Danach") == [BODY, BODY + " Danach"]


def test_a_source_list_goes_with_its_label() -> None:
    got = filtered(BODY, "Quellen:", "Landtag NRW, Stellungnahmen zur Anhörung", "WDR Interviews")
    assert got == [BODY]


def test_a_heading_over_nothing_but_boilerplate_goes_a_real_one_stays() -> None:
    partner = "Capital ist eine Partnermarke des stern, beide gehören zu RTL News."
    assert filtered(BODY, "Capital", partner, kinds="php") == [BODY]
    assert filtered("Hintergrund", BODY, kinds="hp") == ["Hintergrund", BODY]
    # A heading followed by a dropped line, then its own paragraph, is a real section.
    assert filtered("Hintergrund", "Lesedauer: 2 Minuten", BODY, kinds="hpp") == ["Hintergrund", BODY]

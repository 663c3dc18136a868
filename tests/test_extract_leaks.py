"""Leaks a listener would hear on real pages, one test per family: the line is gone, the
article text around it stays. Pages are from the fundus set (tests/fixtures/fundus)."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from pipeline.extract import extract, render_text
from pipeline.extract.meta import parse_tree
from pipeline.extract.prune import prune
from pipeline.models import Article

FUNDUS = Path(__file__).parent / "fixtures" / "fundus"


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

"""Issue 11, per class: on real pages (fundus) and pages written for this corpus, what a
listener must not hear is gone, what they must hear is there, and a refused page says why
and still carries its readable part. The cases live in tests/fixtures/extract/classes/cases.toml;
`make bench-extract` reports the same cases as counts per class."""

from __future__ import annotations

import json

import pytest

from benchmarks.bench_extract import CLASSES, ClassCase, check_case, class_cases
from pipeline.cli.main import main
from pipeline.models import Block, NoArticleText
from pipeline.stages.extract import RefusedPage, extract
from pipeline.stages.extract.lines import filter_blocks, strip_credits

CASES = class_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.cls}:{c.page}" for c in CASES])
def test_listener_hears_what_the_class_demands(case: ClassCase) -> None:
    assert check_case(case) == []


def test_every_issue_class_has_cases() -> None:
    classes = {c.cls for c in CASES}
    assert {"caption", "author", "forum", "related links", "poll", "newsletter", "shop", "lead", "live ticker",
            "tables and lists", "ad slot", "subheadings", "refusal"} <= classes
    # Issue 21: furniture still heard and text still lost on pages that otherwise passed.
    assert {"consent", "login", "donation", "disclaimer", "network note", "dateline", "credit ©", "footnotes",
            "author bio", "teasers at the end", "quote", "anchor paragraph", "byline"} <= classes


def test_a_refused_page_is_still_a_no_article_error_with_its_readable_part() -> None:
    with pytest.raises(NoArticleText) as err:
        extract((CLASSES / "paywall.html").read_bytes())
    assert isinstance(err.value, RefusedPage)
    assert err.value.article.lead.startswith("Der Gemeinderat hat am Dienstag")
    assert "Jetzt weiterlesen mit Beispiel+" in str(err.value)


def test_extract_json_shows_a_refused_pages_readable_part(capsys, settings) -> None:
    assert main(["extract", "--json", str(CLASSES / "paywall.html")], settings=settings) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["refused"].startswith("paywall stub")
    assert [b["text"] for b in data["blocks"]] == ["Bürgermeisterin Anna Beispiel verteidigte die Pläne."]


@pytest.mark.parametrize(
    ("written", "heard"),
    [
        ("Die Straße bleibt gesperrt (Foto: IMAGO/Max Muster), sagte die Polizei.",
         "Die Straße bleibt gesperrt, sagte die Polizei."),
        ("Die Straße bleibt gesperrt. Foto: dpa", "Die Straße bleibt gesperrt."),
        ("Die Straße bleibt gesperrt (Bild: Stadt Neustadt).", "Die Straße bleibt gesperrt."),
        # A colon in the prose is no credit.
        ("Das Fazit der Polizei: Die Straße bleibt gesperrt.", "Das Fazit der Polizei: Die Straße bleibt gesperrt."),
        ("Er sagte: Foto machen verboten.", "Er sagte: Foto machen verboten."),
    ],
)
def test_credits_inside_or_after_a_paragraph_go_and_the_paragraph_stays(written: str, heard: str) -> None:
    assert strip_credits(written) == heard


@pytest.mark.parametrize("line", ["Michael Kappeler/dpa", "AFP / Jane Doe", "Beitragsbild: Stadt Neustadt",
                                  "picture alliance / dpa"])
def test_credit_lines_go(line: str) -> None:
    body = "Die Feuerwehr rückte am Abend mit vier Fahrzeugen aus und löschte den Brand im Dachstuhl."
    kept = filter_blocks([Block("paragraph", body), Block("paragraph", line)]).blocks
    assert [b.text for b in kept] == [body]

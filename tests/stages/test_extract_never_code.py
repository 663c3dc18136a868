"""Issue 21: a listener never hears code. Over the whole fixture corpus (every fundus page and
every class page), and over the same pages with scripts, style sheets, <noscript>, <template>
and JSON-LD injected into the lead, a teaser box and body paragraphs at seeded random
positions: no extracted text (title, kicker, lead, blocks, or a refused page's readable part)
carries a code signature, and the injection changes nothing a listener hears."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from benchmarks.bench_extract import FUNDUS, class_cases
from pipeline.models import Article, Block
from pipeline.stages.charset import decode_html
from pipeline.stages.extract import RefusedPage, extract
from pipeline.stages.extract.nocode import looks_like_code
from pipeline.stages.extract.scoring import load_fundus

# What the test injects carries this mark, so a leak of any part of it is found for sure.
MARK = "naInjected"
INJECTIONS = (
    f'<script>var view_config = {{"{MARK}": true, "ads": [1, 2]}};</script>',
    f"<script>window.__INITIAL_STATE__={{\"{MARK}\":{{\"user\":null}}}}</script>",
    f'<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "WebPage", '
    f'"name": "{MARK}"}}</script>',
    f"<style>.{MARK} {{ color: red; font-size: 12px; }}</style>",
    f"<noscript>Bitte aktivieren Sie JavaScript {MARK}, um diese Seite zu sehen.</noscript>",
    f"<template><p>function {MARK}() {{ return 1; }}</p></template>",
)
# Code signatures checked independently of the extractor's own guard.
SIGNATURES = re.compile(
    r"\{\s*\"|\bvar\s+\w+\s*=|\bfunction\s*\w*\s*\(|\bwindow\.\w|\bdocument\.\w+\s*[(=]|"
    r"@context|@media|!important|</?(script|style|noscript|template)\b|\w\s*\{\s*[\w-]+\s*:\s*[^;{}]+;"
)


def _pages() -> list[tuple[str, bytes]]:
    pages = [(p.name, p.html) for p in load_fundus(FUNDUS)]
    seen = set()
    for case in class_cases():
        if case.page.startswith("fundus:") or case.page in seen:
            continue
        seen.add(case.page)
        pages.append((case.page, case.html()))
    return pages


PAGES = _pages()


def _read(html: bytes | str) -> Article:
    try:
        return extract(html)
    except RefusedPage as err:
        return err.article


@cache
def heard(name: str) -> list[str]:
    """Every text of the page's extraction, as the fields a listener hears."""
    article = _read(dict(PAGES)[name])
    return [article.title, article.kicker, article.lead, *(f"{b.kind}: {b.text}" for b in article.blocks)]


def _inject(html: bytes, seed: int) -> str:
    """The page with code elements in the lead, in a teaser box after the headline and in a few
    body paragraphs, each at a random child position."""
    rng = random.Random(seed)
    try:
        text = html.decode("utf-8")
    except UnicodeDecodeError:
        text = decode_html(html)
    tree = lxml_html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text))

    def put(parent, snippet: str) -> None:
        el = lxml_html.fragment_fromstring(snippet, create_parent="div")[0]
        el.tail = None
        parent.insert(rng.randint(0, len(parent)), el)

    paragraphs = tree.xpath("//body//p[string-length(normalize-space()) > 40]")
    lead = tree.xpath("//body//*[contains(@class, 'lead') or contains(@class, 'intro') or "
                      "contains(@class, 'teaser')]")
    for target in [*lead[:2], *rng.sample(paragraphs, min(4, len(paragraphs)))]:
        put(target, rng.choice(INJECTIONS))
    h1 = tree.xpath("//body//h1")
    if h1:
        # A teaser candidate that holds nothing but a script (the "var view_config" page).
        box = lxml_html.fragment_fromstring(f'<div class="teaser">{rng.choice(INJECTIONS[:2])}</div>')
        h1[0].addnext(box)
    body = tree.find("body")
    if body is not None:
        put(body, rng.choice(INJECTIONS))
    return lxml_html.tostring(tree, encoding="unicode")


@pytest.mark.parametrize("name", [n for n, _ in PAGES])
def test_no_page_of_the_corpus_speaks_code(name: str) -> None:
    leaks = [t for t in heard(name) if SIGNATURES.search(t) or looks_like_code(t)]
    assert leaks == []


@pytest.mark.parametrize("name", [n for n, _ in PAGES])
def test_code_injected_anywhere_is_never_heard_and_changes_nothing(name: str) -> None:
    html = dict(PAGES)[name]
    mutated = _read(_inject(html, seed=sum(map(ord, name))))
    texts = [mutated.title, mutated.kicker, mutated.lead, *(f"{b.kind}: {b.text}" for b in mutated.blocks)]
    assert [t for t in texts if MARK in t or SIGNATURES.search(t)] == []
    assert texts == heard(name)


HEAD = "<html><head><title>Neue Brücke über den Main eröffnet</title></head><body>"
BODY = "".join(
    f"<p>Die neue Brücke über den Main ist nach drei Jahren Bauzeit eröffnet worden, Absatz {i}. "
    "Sie verbindet die beiden Ortsteile und soll den Verkehr in der Innenstadt entlasten.</p>"
    for i in range(6)
)


def test_a_teaser_box_holding_only_a_script_is_not_the_lead() -> None:
    html = (HEAD + "<h1>Neue Brücke über den Main eröffnet</h1>"
            '<div class="teaser"><script>var view_config = {"layout": "wide", "ads": true};</script></div>'
            + BODY + "</body></html>")
    article = extract(html)
    assert "view_config" not in article.text()
    assert "Absatz 0" in article.text()


def test_code_written_into_the_page_as_text_is_dropped_and_prose_stays() -> None:
    # Broken markup: the state blob is visible text in a paragraph, no <script> around it.
    blob = 'window.__INITIAL_STATE__={"article":{"id":42,"title":"Brücke"},"user":null};'
    html = (HEAD + "<h1>Neue Brücke über den Main eröffnet</h1><article>" + BODY
            + f"<p>{blob}</p></article></body></html>")
    article = extract(html)
    assert "__INITIAL_STATE__" not in article.text()
    assert sum(b.kind == "paragraph" for b in article.blocks) >= 5


def test_code_in_json_ld_article_body_is_not_heard() -> None:
    body = " ".join(f"Satz {i} über die neue Brücke, die den Verkehr entlasten soll." for i in range(80))
    ld = ('{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Brücke", '
          f'"articleBody": "{body}\\n\\nvar view_config = {{\\"wide\\": true}};"}}')
    html = (HEAD + f'<script type="application/ld+json">{ld}</script>'
            "<h1>Brücke</h1><p>Kurzer Text über die neue Brücke.</p></body></html>")
    article = extract(html)
    assert "view_config" not in article.text()
    assert "Satz 79 über die neue Brücke" in article.text()


@pytest.mark.parametrize("prose", [
    "Die Funktion des Gremiums (beratend) ist im Gesetz geregelt: Es tagt viermal im Jahr.",
    "Das Fenster war offen; die Polizei fand {unleserlich} eine Notiz und das Dokument.",
    "Der Wert stieg von 3 auf 5 Prozent, sagte Müller: „Das ist wichtig.“",
])
def test_prose_with_brackets_and_colons_is_not_taken_for_code(prose: str) -> None:
    assert not looks_like_code(prose)
    assert not SIGNATURES.search(Block("paragraph", prose).text)


LEAD = ("Die neue Brücke verbindet die beiden Ortsteile. Sie soll den Verkehr in der Innenstadt "
        "spürbar entlasten und Radfahrern einen sicheren Weg bieten.")
SYNTHETIC = (HEAD + '<h1>Neue Brücke über den Main eröffnet</h1><div class="teaser"></div>'
             f'<p class="lead">{LEAD}</p><article>' + BODY + "</article></body></html>")


@cache
def _synthetic_heard() -> str:
    return extract(SYNTHETIC).text()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(INJECTIONS), st.integers(0, 7), st.integers(0, 3)), min_size=1,
                max_size=5))
def test_code_injected_at_any_place_of_lead_teaser_or_body_is_never_heard(
        places: list[tuple[str, int, int]]) -> None:
    tree = lxml_html.document_fromstring(SYNTHETIC)
    # 0: the teaser box, 1: the lead, 2-7: the body paragraphs; then a position among its children.
    targets = [*tree.xpath("//div[@class='teaser']"), *tree.xpath("//p")]
    for snippet, where, at in places:
        target = targets[where]
        el = lxml_html.fragment_fromstring(snippet, create_parent="div")[0]
        el.tail = " " if at % 2 else None
        target.insert(min(at, len(target)), el)
    heard_text = extract(lxml_html.tostring(tree, encoding="unicode")).text()
    assert MARK not in heard_text and not SIGNATURES.search(heard_text)
    assert " ".join(heard_text.split()) == " ".join(_synthetic_heard().split())

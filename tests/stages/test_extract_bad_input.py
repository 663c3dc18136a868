"""Pages that are not a German article: each gives a reason or a language, never an empty episode."""

from __future__ import annotations

import pytest

from pipeline.models import NoArticleText
from pipeline.stages.extract import extract, is_german, render_text

PARAGRAPH = (
    "<p>Die Bürgerinnen und Bürger der Gemeinde haben am Sonntag über den Bau der neuen Schule "
    "abgestimmt. Mit deutlicher Mehrheit sprachen sie sich für den Neubau aus, der nach den Plänen "
    "der Verwaltung im Herbst beginnen und rund zwei Jahre dauern soll.</p>"
)


def page(body: str, head: str = "<title>Schulneubau: Gemeinde stimmt zu</title>", lang: str = "de") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


@pytest.mark.parametrize("html", ["", "   \n ", b"", b"\xef\xbb\xbf"])
def test_empty_html_has_a_reason(html: str | bytes) -> None:
    with pytest.raises(NoArticleText) as err:
        extract(html)
    assert "empty" in str(err.value)
    assert err.value.reason == "no-article-text"


def test_index_page_is_no_article() -> None:
    teasers = "".join(
        f'<article><a href="/artikel-{i}"><h2>Schlagzeile Nummer {i} des Tages</h2></a>'
        f"<p>Kurzer Anriss {i}.</p></article>"
        for i in range(20)
    )
    html = page(f"<main>{teasers}</main>", '<title>Nachrichten</title><meta property="og:type" content="website">')
    with pytest.raises(NoArticleText) as err:
        extract(html, "https://www.beispielzeitung.de/")
    assert "index page" in str(err.value)


def test_paywall_stub_is_no_article() -> None:
    ld = ('<script type="application/ld+json">{"@type":"NewsArticle","headline":"Schulneubau",'
          '"isAccessibleForFree":"False"}</script>')
    body = ("<article><h1>Schulneubau: Gemeinde stimmt zu</h1><p>Die Bürger haben abgestimmt. Das "
            "Ergebnis ist deutlich.</p><div class='paywall'><p>Jetzt weiterlesen mit Z+</p>"
            "<p>Jetzt abonnieren und alle Artikel lesen.</p></div></article>")
    with pytest.raises(NoArticleText) as err:
        extract(page(body, "<title>Schulneubau</title>" + ld))
    assert "paywall" in str(err.value)


def test_all_script_page_is_no_article() -> None:
    scripts = "".join(f"<script>var x{i} = {list(range(200))};</script>" for i in range(500))
    with pytest.raises(NoArticleText) as err:
        extract(page(scripts))
    assert "script" in str(err.value)


def test_latin1_bytes_labelled_utf8_keep_their_umlauts() -> None:
    html = page("<article><h1>Schulneubau: Gemeinde stimmt zu</h1>" + PARAGRAPH * 3 + "</article>")
    raw = html.replace('charset="utf-8"', 'charset="utf-8"').encode("latin-1")
    article = extract(raw, "https://www.beispielzeitung.de/schule")
    text = render_text(article)
    assert "Bürgerinnen" in text and "über" in text
    assert "\ufffd" not in text and "Ã" not in text


def test_five_megabyte_dom_is_handled() -> None:
    filler = "".join(
        f'<div class="teaser"><a href="/x{i}">Weitere Meldung {i}</a><span>Rubrik</span></div>' for i in range(60000)
    )
    html = page("<article><h1>Schulneubau: Gemeinde stimmt zu</h1>" + PARAGRAPH * 4 + "</article>"
                + f"<aside>{filler}</aside>")
    assert len(html) > 5_000_000
    # How long this takes is measured by `make bench-extract`, not pinned here (a shared machine).
    article = extract(html, "https://www.beispielzeitung.de/schule")
    assert "Mit deutlicher Mehrheit" in render_text(article)
    assert "Weitere Meldung" not in render_text(article)


ENGLISH = page(
    "<article><h1>Council approves new school</h1>"
    + "<p>The residents of the town voted on Sunday on the construction of the new school. With a clear "
    "majority they backed the project, which according to the plans of the administration is to begin "
    "in the autumn and will take about two years to complete.</p>" * 3
    + "</article>",
    "<title>Council approves new school</title>",
    lang="en",
)


def test_non_german_page_is_reported_not_raised() -> None:
    article = extract(ENGLISH, "https://news.example.com/school")
    assert article.language == "en"
    assert not is_german(article)


def test_mislabelled_english_page_is_still_not_german() -> None:
    article = extract(ENGLISH.replace('lang="en"', 'lang="de"'), "https://news.example.com/school")
    assert not is_german(article)
    assert any("language" in note for note in article.notes)


def test_german_page_without_any_declaration_is_german() -> None:
    html = page("<article><h1>Schulneubau: Gemeinde stimmt zu</h1>" + PARAGRAPH * 3 + "</article>", lang="")
    article = extract(html.replace(' lang=""', ""), "https://www.beispielzeitung.de/schule")
    assert article.language == "de" and is_german(article)

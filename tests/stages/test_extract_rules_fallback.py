"""Site rules an operator writes, and the fallbacks the sanity check takes (and records)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.stages.extract import RuleError, extract, load_rules, render_text
from pipeline.stages.extract.rules import rule_for

SENTENCE = ("Der Gemeinderat hat am Dienstag nach langer Debatte beschlossen, das alte Hallenbad "
            "zu sanieren, statt es abzureißen und einen Neubau am Stadtrand zu planen. ")
SIMPLE = f"<html lang='de'><body><article><h1>Hallenbad wird saniert</h1><p>{SENTENCE * 3}</p></article></body></html>"


def test_bundled_rules_load_and_ntv_matches_its_hosts() -> None:
    rules = load_rules()
    assert rule_for(["https://www.n-tv.de/politik/x.html"], rules).name == "ntv"
    assert rule_for(["https://amp.ntv.de/x"], rules).name == "ntv"
    assert rule_for(["https://www.not-n-tv.de/x"], rules) is None
    assert rule_for(["", "https://www.n-tv.de/x"], rules).name == "ntv"  # canonical after a blank url


@pytest.mark.parametrize(
    ("toml", "complaint"),
    [
        ('domains = ["a.de"]\n', "layouts"),
        ('[[layouts]]\ncontainer = "article"\n', "domains"),
        ('domains = ["a.de"]\n[[layouts]]\nblocks = "p"\n', "container"),
        ('domains = ["a.de"]\n[[layouts]]\ncontainer = "article"\ncontainr = "x"\n', "unknown"),
        ('domains = ["a.de"]\ndrop_lines = ["(unclosed"]\n[[layouts]]\ncontainer = "article"\n', "drop_lines"),
        ('domains = ["a.de"\n', "beispiel.toml"),
    ],
)
def test_a_broken_operator_rule_says_what_is_wrong(tmp_path: Path, toml: str, complaint: str) -> None:
    (tmp_path / "beispiel.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(RuleError, match=complaint):
        load_rules(tmp_path)


def test_missing_rules_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="does not exist"):
        extract("<html><body><p>x</p></body></html>", rules_dir=tmp_path / "nope")


def test_rule_whose_layout_does_not_fit_falls_back_to_generic_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text(
        'domains = ["beispielzeitung.de"]\n[[layouts]]\ncontainer = "div.gibt-es-nicht"\n', encoding="utf-8"
    )
    html = SIMPLE
    article = extract(html, "https://beispielzeitung.de/bad", rules_dir=tmp_path)
    assert article.extractor == "trafilatura"
    assert any("matched no layout" in note for note in article.notes)


def test_short_body_next_to_a_long_articlebody_falls_back_to_jsonld() -> None:
    body = "\n\n".join([SENTENCE * 2] * 6)
    ld = json.dumps({"@type": "NewsArticle", "headline": "Hallenbad wird saniert", "articleBody": body})
    html = (
        "<html lang='de'><head><title>Hallenbad wird saniert</title>"
        f"<script type='application/ld+json'>{ld}</script></head>"
        f"<body><article><h1>Hallenbad wird saniert</h1><p>{SENTENCE}</p>"
        "<div id='app'></div></article></body></html>"
    )
    article = extract(html, "https://www.beispielzeitung.de/bad")
    assert article.extractor == "fallback:jsonld"
    assert any("articleBody" in note for note in article.notes)
    assert len(article.paragraphs) == 6
    assert render_text(article).count("Hallenbad zu sanieren") == 12


def test_nul_bytes_and_an_xml_declaration_do_not_break_parsing() -> None:
    html = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html lang="de"><body><article>'
        f"<h1>Hallenbad wird saniert</h1><p>{SENTENCE * 3}\x00</p></article></body></html>"
    )
    article = extract(html.encode("utf-8"))
    assert "\x00" not in render_text(article)
    assert article.paragraphs and article.paragraphs[0].startswith("Der Gemeinderat")


def test_article_to_dict_is_json_ready() -> None:
    html = SIMPLE
    data = extract(html).to_dict()
    json.dumps(data)
    assert data["title"] == "Hallenbad wird saniert"
    assert data["blocks"][0]["kind"] == "paragraph"
    assert data["language"] == "de"


def test_operator_folder_extends_the_bundled_rules_and_can_replace_one(tmp_path: Path) -> None:
    (tmp_path / "beispiel.toml").write_text(
        'domains = ["beispielzeitung.de"]\n[[layouts]]\ncontainer = "article"\n', encoding="utf-8"
    )
    names = [r.name for r in load_rules(tmp_path)]
    assert names[0] == "beispiel" and "ntv" in names
    (tmp_path / "mein-ntv.toml").write_text(
        'domains = ["n-tv.de"]\n[[layouts]]\ncontainer = "div.article__text"\n', encoding="utf-8"
    )
    names = [r.name for r in load_rules(tmp_path)]
    assert "mein-ntv" in names and "ntv" not in names

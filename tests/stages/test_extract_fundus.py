"""Regression guard over 105 German news pages with ground truth (the fundus set).

Floors sit just under what the extractor achieves today (see benchmarks/bench_extract.py for
the full table); a change that loses text, leaks boilerplate or drops leads fails here.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_extract import FUNDUS, Row, score
from pipeline.stages.extract.scoring import load_fundus

TOKEN_F1_FLOOR = 0.984
SHINGLE_F1_FLOOR = 0.981
LEADS_FLOOR = 0.98


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return [score(page) for page in load_fundus(FUNDUS)]


def test_fixture_set_is_complete(rows: list[Row]) -> None:
    assert len(rows) == 105
    assert sum(r.page.publisher == "NTV" for r in rows) == 3


def test_mean_token_and_shingle_f1_do_not_regress(rows: list[Row]) -> None:
    token = sum(r.token_f1 for r in rows) / len(rows)
    shingle = sum(r.shingle_f1 for r in rows) / len(rows)
    assert token >= TOKEN_F1_FLOOR, f"mean token F1 {token:.4f}"
    assert shingle >= SHINGLE_F1_FLOOR, f"mean shingle F1 {shingle:.4f}"


def test_no_page_comes_out_empty(rows: list[Row]) -> None:
    assert [(r.page.name, r.error) for r in rows if r.error] == []


def test_visible_leads_are_kept(rows: list[Row]) -> None:
    visible = [r for r in rows if r.lead_visible]
    kept = sum(r.lead_kept for r in visible)
    assert len(visible) >= 90
    assert kept / len(visible) >= LEADS_FLOOR, [r.page.name for r in visible if not r.lead_kept]


def test_ntv_pages_leak_nothing_and_use_the_site_rule(rows: list[Row]) -> None:
    ntv = [r for r in rows if r.page.publisher == "NTV"]
    assert [(r.page.name, r.ntv_leaks) for r in ntv if r.ntv_leaks] == []
    assert all(r.extractor == "site:ntv" for r in ntv)
    assert all(r.token_f1 >= 0.98 for r in ntv), [(r.page.name, r.token_f1) for r in ntv]

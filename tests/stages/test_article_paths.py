"""The per-article JSON path: the Python function the publisher uses and the player's JavaScript
give the same answer for every URL (run in Chromium), and no answer leaves output/articles/."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette

from pipeline.stages.publish.names import article_json_path, guid_json_path
from tests.support.player_support import SEED_URL, browser, serve  # noqa: F401 - fixture
from web.player.routes import SCRIPT_NAME, routes

EXPECTED = {
    SEED_URL: "articles/www.n-tv.de/politik/ISW-Russland-und-Iran-planen-grosses-Militaerabkommen-article24649386"
    ".html.json",
    "HTTPS://WWW.Example.DE:443/Foo/Bar/?q=1#frag": "articles/www.example.de/Foo/Bar/index.json",
    "http://user:pw@Example.de:0080/x": "articles/example.de/x.json",
    "http://example.de:8080/a b/ä.html": "articles/example.de_8080/a_b/_.html.json",
    "https://example.de": "articles/example.de/index.json",
    "https://example.de?x=1": "articles/example.de/index.json",
    "  https://example.de/x\n  ": "articles/example.de/x.json",
    "https://exa\tmple.de/a\nb": "articles/example.de/ab.json",
    "https://example.de/../../etc/passwd": "articles/example.de/_/_/etc/passwd.json",
    "https://example.de/a/./b/%2e%2e/c": "articles/example.de/a/_/b/_2e_2e/c.json",
    "https://example.de/a//b": "articles/example.de/a/_/b.json",
    "https://example.de/a\\..\\b": "articles/example.de/a_.._b.json",
    "https://[2001:db8::1]:8443/x": "articles/_2001_db8__1__8443/x.json",
    "https://example.de/emoji/😀.html": "articles/example.de/emoji/_.html.json",
    "https://münchen.de/straße": "articles/m_nchen.de/stra_e.json",
    "https://../x": "articles/_/x.json",
    "http://example.de:abc/x": "articles/example.de_abc/x.json",
    "https://example.de/" + "a" * 300: "articles/example.de/" + "a" * 200 + ".json",
    "https://example.de/" + "a" * 197 + "/..x": "articles/example.de/" + "a" * 197 + "/_.json",
    "//example.de/x": None,
    "mailto:redaktion@example.de": None,
    "https://:80/x": None,
    "": None,
}
GUIDS = {"ntv-article24649386": "articles/guid/ntv-article24649386.json",
         "https://x.de/?p=1": "articles/guid/https___x.de__p_1.json",
         "../../x": "articles/guid/.._.._x.json", "😀": "articles/guid/_.json", "": None}


@pytest.mark.parametrize(("url", "expected"), EXPECTED.items())
def test_python_paths_of_tricky_urls(url, expected):
    assert article_json_path(url) == expected


def test_python_paths_of_guids():
    assert {g: guid_json_path(g) for g in GUIDS} == GUIDS


SAFE = re.compile(r"articles/[A-Za-z0-9._~-]+/[A-Za-z0-9._~/-]+\.json")


@given(st.text(), st.sampled_from(["http://", "https://", "HTTP://", "x+y://", ""]))
def test_no_url_leads_out_of_the_articles_folder(rest, scheme):
    path = article_json_path(scheme + rest)
    if path is None:
        return
    assert SAFE.fullmatch(path)
    assert not {".", "..", ""} & set(path.removesuffix(".json").split("/"))
    assert len(path.removeprefix("articles/").split("/", 1)[1]) <= 200 + len(".json") + 1


def random_urls(n: int, seed: int = 9) -> list[str]:
    """Deterministic junk around the parts a URL parser could disagree on."""
    rnd = random.Random(seed)
    pieces = ["a", "Z", "0", ".", "..", "/", "//", ":", "@", "[", "]", "?", "#", "%2e", "%", "\\", " ", "\t",
              "\n", "ä", "ß", "😀", "İ", "\u00a0", "\u2028", "~", "-", "_", ":8080", ":443", ":0"]
    schemes = ["http://", "https://", "HtTpS://", "ftp://", "http:/", "", " https://"]
    return [rnd.choice(schemes) + "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 40))) for _ in range(n)]


def test_javascript_and_python_agree_in_chromium(browser, tmp_path):  # noqa: F811
    urls = [*EXPECTED, *random_urls(400)]
    with serve(Starlette(routes=routes_for(tmp_path))) as base:
        page = browser.new_page()
        page.goto(f"{base}/player/{SCRIPT_NAME}")
        got = page.evaluate(
            """async ([src, urls, guids]) => { const m = await import(src);
              return [urls.map(m.articlePath), guids.map(m.guidPath)]; }""",
            [f"{base}/player/{SCRIPT_NAME}", urls, list(GUIDS)],
        )
        page.close()
    assert got[0] == [article_json_path(u) for u in urls]
    assert got[1] == [guid_json_path(g) for g in GUIDS]


def routes_for(tmp_path):
    from tests.conftest import settings_in

    return routes(settings_in(tmp_path))

"""axe-core in Chromium: a page (or part of it) has no accessibility violations."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

# Every WCAG 2.x A/AA rule.
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def assert_no_violations(page: Any, context: Any = None, options: Any = None) -> None:
    results = Axe().run(page, context=context, options=options)
    found = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in results.response["violations"]]
    assert found == [], "\n".join(map(str, found))
    assert results.response["passes"], "axe checked nothing"


def assert_player_accessible(page: Any) -> None:
    """Every WCAG 2.x A/AA rule on the whole page; every rule, best practices too, on the player
    (the sample page itself, a copy of a newsroom's page, has no <main> and no <h1>: the
    best-practice landmark rules are about that page, not about what we add to it)."""
    assert_no_violations(page, options=WCAG)
    assert_no_violations(page, context={"include": [["newsaudio-player"]]})

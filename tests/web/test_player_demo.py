"""The demo as a new user meets it: the pipeline voices the bundled sample, `newsaudio serve`'s
app (web.app.create_app, with the player's routes mounted) serves it, and the seed article page
under /sample/ plays with read-along, from the pipeline's own per-article player data.

Needs the merged web app and publisher (issue 8) besides this branch's player (issue 9)."""

from __future__ import annotations

import json

from pipeline.cli.main import main
from pipeline.stages.publish.names import article_json_path
from tests.support.player_support import SEED, SEED_URL, _free_port, browser, serve  # noqa: F401 - fixture

P = "document.querySelector('newsaudio-player')"


def test_the_demo_seed_page_plays_with_read_along_from_the_pipelines_data(small_sample_settings, browser):  # noqa: F811
    from web.app import create_app

    settings = small_sample_settings
    settings.voice = "espeak-de"
    settings.serve_sample_pages = True  # what the shipped demo config says
    port = _free_port()
    settings.public_base_url = f"http://127.0.0.1:{port}"
    main(["run"], settings=settings)
    data = json.loads((settings.output_dir / str(article_json_path(SEED_URL))).read_text(encoding="utf-8"))
    spoken = [p for p in data["paragraphs"] if p["kind"] != "title"]
    with serve(create_app(settings), port) as base:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.route(lambda url: not url.startswith(base), lambda route: route.fulfill(status=204))
        page.goto(f"{base}/sample/articles/{SEED}")
        page.wait_for_function(f"{P} && {P}.audio")
        assert page.evaluate(f"{P}.readAlong")
        assert page.locator("[data-newsaudio-p]").count() == len(spoken) == 5
        target = spoken[2]
        page.locator(f'[data-newsaudio-p="{data["paragraphs"].index(target)}"]').click()
        page.wait_for_function(f"!{P}.audio.paused && {P}.audio.currentTime > {target['start_s']}")
        assert page.evaluate(f"{P}.audio.currentTime") < target["end_s"]
        page.wait_for_function("document.querySelectorAll('[data-newsaudio-current]').length === 1")
        marked = page.evaluate("document.querySelector('[data-newsaudio-current]').textContent")
        assert marked.split()[:4] == target["text"].split()[:4]
        assert errors == []
        page.close()

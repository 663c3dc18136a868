"""The language identifier's answers are made where an article is prepared (the I/O worker) and
travel with it: the synth worker that speaks it gets the same spans without loading lingua's
models (~150 MB) beside its voice."""

from __future__ import annotations

import json
import subprocess
import sys

from pipeline.models import Article, Block, FeedEntry
from pipeline.run import steps
from pipeline.stages.speech import Lexicon, to_script
from pipeline.state.articles import (
    get_article,
    language_guesses,
    list_articles,
    save_prepared,
    upsert_entry,
    upsert_feed,
)
from pipeline.state.store import open_store
from tests.conftest import REPO

ARTICLE = Article("Die Group of Death", [Block("paragraph", "Das Institute for the Study of War meldet, "
                                                           "Nikola Jokić spiele bei Real Madrid.")])

SYNTH_SIDE = """
import json, sys
sys.modules["lingua"] = None  # a synth worker that must not load it: any import fails
from pipeline.models import Article, Block
from pipeline.stages.speech import Lexicon, foreign, to_script
guesses = json.loads(sys.argv[1])
foreign.known(guesses)
article = Article("Die Group of Death", [Block("paragraph", "Das Institute for the Study of War meldet, "
                                                            "Nikola Jokić spiele bei Real Madrid.")])
script = to_script(article, lexicon=Lexicon(), foreign_spans=True)
print(json.dumps([[s.text, [[p.start, p.end, p.lang] for p in s.pronunciations]] for s in script.segments]))
"""


def _spans(script) -> list:
    return [[s.text, [[p.start, p.end, p.lang] for p in s.pronunciations]] for s in script.segments]


def test_a_synth_process_with_the_recorded_guesses_speaks_the_same_spans_without_lingua(settings):
    guesses = steps.language_guesses(ARTICLE, settings, Lexicon())
    assert guesses and all(len(v) == 2 for v in guesses.values())
    here = _spans(to_script(ARTICLE, lexicon=Lexicon(), foreign_spans=True))
    assert any(p[2] == "en" for _, spans in here for p in spans)  # there is something to find
    result = subprocess.run([sys.executable, "-c", SYNTH_SIDE, json.dumps(guesses)], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == here


def test_no_guesses_when_foreign_spans_are_off(settings):
    settings.foreign_spans = False
    assert steps.language_guesses(ARTICLE, settings, Lexicon()) == {}


def test_the_guesses_are_kept_beside_the_prepared_article_and_do_not_change_it(settings):
    store = open_store(settings)
    upsert_feed(store, "sample", "http://127.0.0.1:9/feed.xml", "Beispiel")
    upsert_entry(store, "sample", "g1", FeedEntry(guid="g1", url="https://www.example.de/a.html",
                                                  title="Die Group of Death"))
    (article_id,) = [r.id for r in list_articles(store, "sample")]
    guesses = steps.language_guesses(ARTICLE, settings, Lexicon())
    save_prepared(store, article_id, ARTICLE, guesses)
    row = get_article(store, article_id)
    assert language_guesses(row) == guesses
    assert row.article() == ARTICLE and row.text_hash == ARTICLE.text_hash()

"""`newsaudio regenerate`: voice articles again as a new episode version (same GUID): named ones,
those a lexicon edit touches, or those the fallback voice spoke; then publish their feeds."""

from __future__ import annotations

import argparse

from rich.text import Text

from pipeline.cli.articles import audit, resolve
from pipeline.cli.exits import EXIT_FAILED, EXIT_OK, UsageError
from pipeline.cli.progress import make_reporter, outcome_detail
from pipeline.cli.terminal import emit_json, out
from pipeline.cli.voices import check_voice
from pipeline.config import Settings
from pipeline.run import publishing
from pipeline.run.article import process_article, render_article
from pipeline.run.events import reporting_stages
from pipeline.run.lexicon import Touched, needing_regeneration
from pipeline.state.articles import get_article
from pipeline.state.store import open_store


def cmd_regenerate(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    check_voice(settings)
    if args.articles:
        ids = [resolve(a, settings, store) for a in args.articles]
        targets = [Touched(a, get_article(store, a).title, "asked for") for a in ids]
    elif args.lexicon or args.fallback_voice:
        targets = needing_regeneration(settings, lexicon=args.lexicon, fallback_voice=args.fallback_voice)
    else:
        raise UsageError("name article ids (see `newsaudio status`), or give --lexicon or --fallback-voice")
    for t in targets:
        if args.json:
            emit_json({"event": "target", "article_id": t.article_id, "title": t.title, "reason": t.reason})
        else:
            out.print(Text(f"{t.article_id[:8]}  {t.title}  ({t.reason})"))
    if not targets and not args.json:
        out.print("Nothing to regenerate.")
    if args.dry_run or not targets:
        return EXIT_OK
    failed = 0
    reporter = make_reporter(args.json)
    reporter.planned("regenerate", len(targets))
    try:
        with reporting_stages(reporter.stage):
            for t in targets:
                # Named articles are fetched again (the page may have been fixed); a lexicon or
                # voice change re-speaks the stored text.
                if args.articles:
                    outcome = process_article(t.article_id, settings, store, force=args.force)
                else:
                    outcome = render_article(t.article_id, settings, store, force=args.force)
                failed += outcome.status == "failed"
                audit(store, "article.regenerate", t.article_id, {"reason": t.reason},
                      {"status": outcome.status, "version": outcome.version, "force": args.force})
                reporter.article(outcome)
                if not args.json:
                    out.print(Text(f"{outcome.status:9} {t.article_id[:8]} {outcome_detail(outcome)}"))
    finally:
        reporter.close()
    for feed in {get_article(store, t.article_id).feed for t in targets}:
        publishing.publish_feed(feed, settings, store)
    return EXIT_FAILED if failed else EXIT_OK

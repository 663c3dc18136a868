"""`newsaudio stats [ingest FILE...]`: downloads from podcast apps, counted as the industry does,
beside the website player's plays; and reading access logs into them."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from pipeline.cli.exits import EXIT_OK, UsageError
from pipeline.cli.terminal import emit_json, escape, out
from pipeline.config import Settings
from pipeline.run import downloads
from pipeline.state.store import open_store


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    if args.feed:
        settings.feed(args.feed)  # an unknown name is a usage error
    store = open_store(settings)
    if args.action == "ingest":
        if not args.files:
            raise UsageError("stats ingest needs access log files (nginx log_format newsaudio, see deploy/nginx.conf)")
        paths = [Path(f) for f in args.files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise UsageError(f"no such file: {', '.join(missing)}")
        done = downloads.ingest(settings, store, paths)
        if args.json:
            emit_json({"event": "ingested", **done.__dict__})
        else:
            out.print(f"{done.lines} lines, {done.hits} audio requests ({done.repeated} read before): "
                      f"{done.downloads} new downloads")
        return EXIT_OK
    if args.files:
        raise UsageError("FILE goes with `stats ingest`")
    if args.days < 1:
        raise UsageError("--days must be at least 1")
    rows = downloads.stats(settings, store, feed=args.feed, days=args.days)
    if args.json:
        for row in rows:
            emit_json(row.to_dict())
        return EXIT_OK
    table = Table(title=f"Downloads and plays, last {args.days} days")
    for column in ("episode", "downloads", "by app", "web plays", "completed"):
        table.add_column(column)
    for row in rows:
        by_app = ", ".join(f"{a} {n}" for a, n in row.by_app)
        table.add_row(escape(row.title), str(row.downloads), escape(by_app), str(row.plays), str(row.completions))
    out.print(table)
    return EXIT_OK

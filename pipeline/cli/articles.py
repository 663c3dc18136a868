"""`newsaudio status|withdraw|restore`: the articles in the store, as a table, and taking an
episode out of its feed or back. Only the store and the publishing step: no stage, no voice."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from rich.table import Table
from rich.text import Text

from pipeline.cli.exits import EXIT_OK, UsageError
from pipeline.cli.terminal import emit_json, out, shorten
from pipeline.config import Settings
from pipeline.run import publishing
from pipeline.state import accounts
from pipeline.state.articles import UnknownArticle, get_article, list_articles
from pipeline.state.episodes import published_episodes
from pipeline.state.listening import listen_totals
from pipeline.state.store import Store, open_store


def resolve(article: str, settings: Settings, store: Store) -> str:
    """ARTICLE (id, URL or GUID) -> article id; an unknown one is a one-line usage error."""
    try:
        return publishing.resolve_article(article, settings, store)
    except UnknownArticle as exc:
        # The 8-character prefix `status` shows (whole ids, URLs and GUIDs were tried above).
        hits = [r.id for r in list_articles(store) if r.id.startswith(article)] if len(article) >= 4 else []
        if len(hits) != 1:
            raise UsageError(str(exc)) from exc
        return hits[0]


def audit(store: Store, action: str, target: str, before: object, after: object) -> None:
    """Changes made from the shell land in the same audit log as the console's, by OS user."""
    accounts.audit(store, f"cli:{getpass.getuser()}", action, target, before, after)


# -- status ----------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    if args.feed:
        settings.feed(args.feed)  # unknown name: one-line error, exit 2
    store = open_store(settings)
    rows = list_articles(store, args.feed, args.state)
    if getattr(args, "article", None):
        wanted = resolve(args.article, settings, store)
        rows = [r for r in rows if r.id == wanted]
    newest = {e.article_id: e for feed in {r.feed for r in rows} for e in published_episodes(store, feed)}
    records = []
    for r in rows:
        latest = newest.get(r.id)
        records.append({
            "id": r.id, "feed": r.feed, "status": r.status, "reason": r.reason, "message": r.message,
            "title": r.title, "url": r.url, "version": latest.episode.version if latest else 0,
            "voice": latest.episode.voice if latest else "",
            "voice_is_fallback": bool(latest.voice_is_fallback) if latest else False,
        })
    if args.json:
        for rec in records:
            emit_json(rec)
        return EXIT_OK
    if not records:
        where = f" in feed {args.feed}" if args.feed else ""
        state = f" with state {args.state}" if args.state else ""
        out.print(Text(f"No articles{where}{state} yet. `newsaudio run` polls the feeds."))
        return EXIT_OK
    _print_status_table(records, out.width)
    _print_listening([(r.id, r.guid, r.title) for r in rows], listen_totals(store))
    counts: dict[str, int] = {}
    for rec in records:
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
    out.print(Text(f"{len(records)} articles: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))))
    return EXIT_OK


def _short_voice(identity: str) -> str:
    # profile+engine+digest: the digest tells an operator nothing in a table.
    return "+".join(identity.split("+")[:2])


def _print_status_table(records: list[dict[str, Any]], width: int) -> None:
    """Columns that never wrap, in the terminal's width (80 when unknown); titles are cut at a
    word boundary. Ids are shown by their first 8 characters, which `regenerate` accepts."""
    multi_feed = len({r["feed"] for r in records}) > 1
    cells = []
    for r in records:
        problem = r["status"] in ("failed", "skipped", "withdrawn")
        detail = f"{r['reason']}: {r['message']}" if problem else r["title"]
        row = [r["id"][:8]]
        if multi_feed:
            row.append(shorten(r["feed"], 12))
        row += [r["status"], f"v{r['version']}" if r["version"] else "-", shorten(_short_voice(r["voice"]) or "-", 16)]
        cells.append((row, detail))
    header = ["id"] + (["feed"] if multi_feed else []) + ["status", "ver", "voice"]
    widths = [max(len(h), *(len(row[i]) for row, _ in cells)) for i, h in enumerate(header)]
    room = max(20, width - sum(widths) - 2 * len(widths))

    def line(row: list[str], last: str) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + "  " + shorten(last, room)

    out.print(Text(line(header, "title / reason"), style="bold"))
    colours = {"done": "green", "failed": "red", "skipped": "yellow", "withdrawn": "magenta"}
    for row, detail in cells:
        text = Text(line(row, detail))
        col = header.index("status")
        at = sum(w + 2 for w in widths[:col])
        text.stylize(colours.get(row[col], ""), at, at + widths[col])
        out.print(text)


def _print_listening(articles: list[tuple[str, str, str]], listens: dict[str, dict[str, int]]) -> None:
    """The website player's anonymous numbers per (id, guid, title): plays and the share played
    to the end. Printed only once some article has been played."""
    heard = [(i, title, listens[guid]) for i, guid, title in articles if listens.get(guid, {}).get("play")]
    if not heard:
        return
    table = Table(title="listening (website player)")
    for col in ("id", "plays", "completed", "title"):
        table.add_column(col, overflow="fold")
    for article_id, title, counts in heard:
        share = round(100 * counts.get("complete", 0) / counts["play"])
        table.add_row(article_id[:8], str(counts["play"]), f"{share}%", Text(shorten(title, 50)))
    out.print(table)


# -- withdraw / restore ----------------------------------------------------------------------


def cmd_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    """`withdraw` and `restore` (``args.command`` says which): one article, in or out of its feed."""
    store = open_store(settings)
    article_id = resolve(args.article, settings, store)
    try:
        before = get_article(store, article_id).status
        if args.command == "restore":
            done = publishing.restore(article_id, settings, store)
            out.print(f"restored {article_id}: back in feed {done.feed}, {len(done.files)} files published again")
        else:
            done = publishing.withdraw(article_id, settings, message=args.reason, store=store)
            out.print(f"withdrew {article_id}: out of feed {done.feed}, {len(done.files)} files now answer 410 Gone")
    except publishing.WithdrawalError as exc:
        raise UsageError(str(exc)) from exc
    audit(store, f"article.{args.command}", article_id, {"status": before},
          {"status": get_article(store, article_id).status, "reason": getattr(args, "reason", "") or ""})
    return EXIT_OK

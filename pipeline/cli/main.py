"""The ``newsaudio`` command. Each subcommand is a stage or run with a command line around it.

Adding a subcommand: ``p = sub.add_parser(name, help=..., description=...)``, a help text for each
option, ``p.set_defaults(func=cmd_name)`` and ``def cmd_name(args, settings) -> int``. Raise
UsageError (or ConfigError) for a bad input: main prints it as one line and exits 2. A command
that works without a config file (no store, no feeds) sets ``needs_config=False`` in set_defaults.
Print what comes from outside (titles, URLs, messages) as ``Text(...)`` or ``escape(...)``d, and
machine output with ``emit_json`` / ``print_plain``, never through rich markup.

Exit codes: 0 all good; 1 an article or a feed failed (or the workers did not answer); 2 usage or
configuration error (bad option, unknown name, missing config, database down): nothing was done.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.text import Text

from pipeline.cli.terminal import emit_json, err, escape, out, print_error, print_plain, setup_logging, shorten
from pipeline.config import LOG_FORMATS, ConfigError, Settings, find_config, load_settings, log_format
from pipeline.models import StageError
from pipeline.run import publishing
from pipeline.run.article import extract_page, process_article, render_article, say
from pipeline.run.events import reporting_stages
from pipeline.run.lexicon import Touched, current_lexicon, needing_regeneration
from pipeline.state.articles import get_article, list_articles
from pipeline.state.episodes import published_episodes
from pipeline.state.listening import listen_totals
from pipeline.state.store import open_store

console = err  # stderr; the name other subcommands use for warnings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class Failed(Exception):
    """The command ran but could not finish its work (exit 1), e.g. no worker answered."""


# -- run / demo ------------------------------------------------------------------------------


def _run_in_process(settings: Settings, feed_names: list[str] | None, reporter: Any):
    from pipeline.run.feed import RunSummary, run

    chosen = [settings.feed(n) for n in feed_names] if feed_names else settings.feeds  # unknown name: exit 2
    summary = RunSummary()
    try:
        for feed in chosen:
            reporter.polling(feed.name, feed.url)
            part = run(
                settings, feed_names=[feed.name], on_article=reporter.article, on_poll=reporter.polled,
                on_stage=reporter.stage,
            )
            summary.outcomes += part.outcomes
            summary.polls += part.polls
            summary.feed_paths += part.feed_paths
    finally:
        reporter.close()
    return summary


def _check_voice(settings: Settings) -> None:
    """An unknown voice in the config is a usage error before any work, not a failure per article."""
    from voices import get_profile

    get_profile(settings.voice, settings)


def _exit_code(summary) -> int:
    return EXIT_FAILED if summary.failed or summary.failed_polls else EXIT_OK


def _print_summary(summary, settings: Settings, elapsed: float, as_json: bool = False) -> None:
    from rich.table import Table

    from pipeline.cli.progress import outcome_detail

    store = open_store(settings)
    feeds = []
    for polled, path in zip(summary.polls, summary.feed_paths, strict=False):
        published = published_episodes(store, polled.feed)
        feeds.append({
            "feed": polled.feed, "error": polled.error, "not_modified": polled.not_modified, "path": str(path),
            "episodes": len(published), "minutes": round(sum(r.episode.duration_s for r in published) / 60, 2),
            "fallback_voice": sum(1 for r in published if r.voice_is_fallback),
        })
    reasons: dict[str, int] = {}
    for o in summary.failed + [o for o in summary.outcomes if o.status == "skipped"]:
        reasons[o.reason] = reasons.get(o.reason, 0) + 1
    if as_json:
        emit_json({
            "event": "summary", "done": summary.count("done"), "unchanged": summary.count("unchanged"),
            "skipped": summary.count("skipped"), "failed": len(summary.failed), "reasons": reasons,
            "synthesised": summary.synthesised_segments, "elapsed_s": round(elapsed, 2), "feeds": feeds,
            "audio_dir": str(settings.audio_dir), "exit": _exit_code(summary),
        })
        return

    table = Table(title="this run", show_lines=False)
    for col in ("status", "article", "detail"):
        table.add_column(col, overflow="fold")
    for o in summary.outcomes:
        colour = {"done": "green", "unchanged": "cyan", "skipped": "yellow", "failed": "red"}.get(o.status, "white")
        # Text cells are never parsed as markup: titles and messages come from the web.
        table.add_row(Text(o.status, style=colour), Text(o.title or o.article_id), Text(outcome_detail(o)))
    if summary.outcomes:
        out.print(table)
    for f in feeds:
        if f["error"]:
            # The error itself was logged when it happened; once is enough.
            out.print(
                f"[red]feed {escape(f['feed'])}: the poll failed (see the error above); "
                "the last good feed file is kept[/]"
            )
        elif f["not_modified"]:
            out.print(f"feed {escape(f['feed'])}: not modified since the last poll (HTTP 304)")

    counts = (
        f"{summary.count('done')} done, {summary.count('unchanged')} unchanged, {summary.count('skipped')} skipped, "
        f"{len(summary.failed)} failed"
    )
    out.print(f"[bold]Articles this run:[/] {counts}  ({elapsed:.1f} s)")
    if reasons:
        out.print("  reasons: " + escape(", ".join(f"{r} x{n}" for r, n in sorted(reasons.items()))))
    if summary.synthesised_segments:
        out.print(f"Synthesised {summary.synthesised_segments} segments.")
    elif summary.count("done") == 0:
        # Up to date only when nothing failed: a failed poll or article may hide new work.
        up_to_date = _exit_code(summary) == EXIT_OK
        out.print("Synthesised nothing" + (": every episode's audio is up to date." if up_to_date else "."))
    for f in feeds:
        out.print(
            f"Feed [bold]{escape(f['feed'])}[/]: {f['episodes']} episodes, {f['minutes']:.1f} minutes of audio "
            f"-> {escape(f['path'])}"
        )
        if f["fallback_voice"]:
            out.print(
                f"  [yellow]{f['fallback_voice']} episodes spoken by the fallback voice[/] (see `newsaudio voices`)"
            )
    out.print(f"Audio files: {escape(str(settings.audio_dir))}")


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.cli.progress import make_reporter

    if not settings.feeds:
        raise UsageError("no feeds configured: add a [[feeds]] table to newsaudio.toml")
    for name in args.feed or []:
        settings.feed(name)  # an unknown name is a usage error before anything runs

    open_store(settings)  # a database that does not answer: one error line before any progress
    _check_voice(settings)
    start = time.perf_counter()
    reporter = make_reporter(args.json, queue=args.queue)
    if args.queue:
        from workers.client import WorkersUnavailable, run_on_queue

        try:
            summary = run_on_queue(
                settings, args.feed, reporter, timeout=args.timeout, worker_timeout=args.worker_timeout
            )
        except WorkersUnavailable as exc:
            raise (UsageError if exc.exit_code == EXIT_USAGE else Failed)(str(exc)) from exc
    else:
        summary = _run_in_process(settings, args.feed, reporter)
    _print_summary(summary, settings, time.perf_counter() - start, as_json=args.json)
    return _exit_code(summary)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from urllib.parse import urlsplit

    from pipeline.cli.progress import make_reporter
    from pipeline.run.sample_site import serve_site

    feed = settings.feed("sample")
    port = urlsplit(feed.url).port or 80
    _check_voice(settings)
    with serve_site(port=port) as base:
        if not args.json:
            out.print(f"Serving the bundled sample site at {escape(base)}/ (offline)")
        start = time.perf_counter()
        summary = _run_in_process(settings, ["sample"], make_reporter(args.json))
        _print_summary(summary, settings, time.perf_counter() - start, as_json=args.json)
    if not args.json:
        _print_listen_hint(settings, "sample")
    # The sample holds one missing page on purpose; the demo fails only when a real article did.
    unexpected = [o for o in summary.failed if o.reason != "http-404"]
    return EXIT_FAILED if unexpected or summary.failed_polls else EXIT_OK


def _print_listen_hint(settings: Settings, feed_name: str) -> None:
    """How to listen: the feed's URLs are built from public_base_url, which `newsaudio serve`
    answers at (the shipped config says "auto": this machine's network address and serve_port)."""
    from urllib.parse import urlsplit

    from pipeline.stages.publish.names import feed_url

    url = escape(feed_url(settings.public_base_url, feed_name))
    out.print(f"To listen: run [bold]newsaudio serve[/], then subscribe to [bold]{url}[/]")
    out.print("  in a podcast app on this network (or open it in a browser).")
    if urlsplit(settings.public_base_url).hostname in ("localhost", "127.0.0.1", "::1"):
        out.print('  Only this computer can reach it: set public_base_url = "auto" for phones on the network.')


# -- stages ----------------------------------------------------------------------------------


def _read_source(source: str, settings: Settings) -> tuple[str, str]:
    from pipeline.stages.charset import decode_html
    from pipeline.stages.fetch import fetch

    if source.startswith(("http://", "https://")):
        page = fetch(source, settings)
        return page.text, page.url
    path = Path(source)
    if not path.is_file():
        raise UsageError(f"{source}: no such file (give an HTML file or an http(s) URL)")
    return decode_html(path.read_bytes()), ""


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.stages.extract import render_text

    sources: list[str] = []
    for src in args.sources:
        p = Path(src)
        if args.many and p.is_dir():
            sources.extend(str(f) for f in sorted(p.iterdir()) if f.suffix in (".html", ".htm"))
        else:
            sources.append(src)
    if len(sources) > 1 and not args.many:
        raise UsageError("several pages given: add --many to extract them all")
    failed = 0
    for i, src in enumerate(sources):
        try:
            html, fetched_url = _read_source(src, settings)
            article = extract_page(html, args.url or fetched_url, settings, allow_file=True)
        except UsageError:
            if not args.many:
                raise
            failed += 1
            print_error(f"{src}: no such file")
            continue
        except StageError as exc:
            failed += 1
            print_error(f"{src}: {exc}")
            readable = getattr(exc, "article", None)  # a refused page still shows what it holds
            if args.json and readable is not None and (readable.lead or readable.blocks):
                _print_extracted({"refused": str(exc), **readable.to_dict()}, src, args.many)
            continue
        if args.json:
            _print_extracted(article.to_dict(), src, args.many)
            continue
        # The article's text is printed as it is: never through markup.
        if args.many:
            print_plain(f"==> {src} <==")
        print_plain(render_text(article))
        if args.many and i < len(sources) - 1:
            print_plain("")
    return EXIT_FAILED if failed else EXIT_OK


def _print_extracted(data: dict[str, Any], src: str, many: bool) -> None:
    """One page's Article as JSON: a line naming its source with --many, else indented."""
    if many:
        emit_json({**data, "source": src})
    else:
        print_plain(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_normalize(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.stages.speech import normalize

    text = sys.stdin.read()
    lexicon = current_lexicon(settings)
    for segment in normalize(text, lexicon=lexicon, max_chars=args.max_chars or settings.max_segment_chars):
        print_plain(segment)
    return EXIT_OK


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    target = Path(args.output)
    if target.is_dir():
        raise UsageError(f"-o {args.output}: that is a folder; give a file name such as {target / 'say.mp3'}")
    if not target.parent.is_dir():
        raise UsageError(f"-o {args.output}: the folder {target.parent} does not exist; create it or choose another")
    from pipeline.files import atomic_write
    try:
        mastered, voice = say(args.text, settings, args.voice)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    # A fallback voice was announced by the voice loader's warning, once.
    atomic_write(target, mastered.mp3)
    out.print(Text(
        f"{args.output}: {mastered.duration_s:.1f} s, {mastered.loudness_lufs:.1f} LUFS, voice {voice.identity}"
        + (" (fallback)" if voice.is_fallback else "")
    ))
    return EXIT_OK


def _short_voice(identity: str) -> str:
    # profile+engine+digest: the digest tells an operator nothing in a table.
    return "+".join(identity.split("+")[:2])


def _print_listening(articles: list[tuple[str, str, str]], listens: dict[str, dict[str, int]]) -> None:
    """The website player's anonymous numbers per (id, guid, title): plays and the share played
    to the end. Printed only once some article has been played."""
    heard = [(i, title, listens[guid]) for i, guid, title in articles if listens.get(guid, {}).get("play")]
    if not heard:
        return
    from rich.table import Table

    table = Table(title="listening (website player)")
    for col in ("id", "plays", "completed", "title"):
        table.add_column(col, overflow="fold")
    for article_id, title, counts in heard:
        share = round(100 * counts.get("complete", 0) / counts["play"])
        table.add_row(article_id[:8], str(counts["play"]), f"{share}%", Text(shorten(title, 50)))
    out.print(table)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:

    if args.feed:
        settings.feed(args.feed)  # unknown name: one-line error, exit 2
    store = open_store(settings)
    rows = list_articles(store, args.feed, args.state)
    if getattr(args, "article", None):
        wanted = _resolve(args.article, settings, store)
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


def cmd_voices(args: argparse.Namespace, settings: Settings) -> int:
    import voices

    if args.action in ("fetch", "export") and not args.name:
        raise UsageError(f"voices {args.action} needs a profile NAME (see `newsaudio voices`)")
    if args.action == "fetch":
        if not args.verbose:
            # Coqui logs a full traceback for a failed download; our one-line error says it all.
            logging.getLogger("TTS").setLevel(logging.CRITICAL)
        path = voices.fetch_model(args.name, settings, accept_licence=args.accept_licence)
        out.print(Text(f"{args.name}: model files in {path}"))
        return EXIT_OK
    if args.action == "export":
        target = Path(args.output) if args.output else None
        path = voices.export_onnx(args.name, settings, target)
        out.print(Text(f"{args.name}: ONNX voice written to {path}"))
        return EXIT_OK
    for status in voices.list_profiles(settings):
        if args.json:
            emit_json({"name": status.name, "engine": status.engine, "ready": status.ready, "reason": status.reason})
            continue
        out.print(Text(f"{status.name}  {'ready' if status.ready else 'not ready: ' + status.reason}"))
    return EXIT_OK


def cmd_regenerate(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.cli.progress import make_reporter, outcome_detail

    store = open_store(settings)
    _check_voice(settings)
    if args.articles:
        ids = [_resolve(a, settings, store) for a in args.articles]
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
                _audit(store, "article.regenerate", t.article_id, {"reason": t.reason},
                       {"status": outcome.status, "version": outcome.version, "force": args.force})
                reporter.article(outcome)
                if not args.json:
                    out.print(Text(f"{outcome.status:9} {t.article_id[:8]} {outcome_detail(outcome)}"))
    finally:
        reporter.close()
    for feed in {get_article(store, t.article_id).feed for t in targets}:
        publishing.publish_feed(feed, settings, store)
    return EXIT_FAILED if failed else EXIT_OK


# -- serve ---------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from web.serve import serve

    host = args.host or settings.serve_host
    port = settings.serve_port if args.port is None else args.port
    feeds = f"{settings.public_base_url}/feeds/"
    out.print(escape(f"Serving {settings.output_dir} on http://{host}:{port}/ (feeds at {feeds})"))
    serve(settings, host, port, log_level="debug" if args.verbose else "info")
    return 0


# -- withdraw / restore ----------------------------------------------------------------------


def _resolve(article: str, settings: Settings, store) -> str:
    """ARTICLE (id, URL or GUID) -> article id; an unknown one is a one-line usage error."""
    from pipeline.state.articles import UnknownArticle

    try:
        return publishing.resolve_article(article, settings, store)
    except UnknownArticle as exc:
        # The 8-character prefix `status` shows (whole ids, URLs and GUIDs were tried above).
        hits = [r.id for r in list_articles(store) if r.id.startswith(article)] if len(article) >= 4 else []
        if len(hits) != 1:
            raise UsageError(str(exc)) from exc
        return hits[0]


def cmd_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.run.publishing import WithdrawalError

    store = open_store(settings)
    article_id = _resolve(args.article, settings, store)
    try:
        before = get_article(store, article_id).status
        if args.command == "restore":
            done = publishing.restore(article_id, settings, store)
            out.print(f"restored {article_id}: back in feed {done.feed}, {len(done.files)} files published again")
        else:
            done = publishing.withdraw(article_id, settings, message=args.reason, store=store)
            out.print(f"withdrew {article_id}: out of feed {done.feed}, {len(done.files)} files now answer 410 Gone")
    except WithdrawalError as exc:
        raise UsageError(str(exc)) from exc
    _audit(store, f"article.{args.command}", article_id, {"status": before},
           {"status": get_article(store, article_id).status, "reason": getattr(args, "reason", "") or ""})
    return 0


def _audit(store: Any, action: str, target: str, before: object, after: object) -> None:
    """Changes made from the shell land in the same audit log as the console's, by OS user."""
    import getpass

    from pipeline.state import accounts

    accounts.audit(store, f"cli:{getpass.getuser()}", action, target, before, after)


# -- entry point -----------------------------------------------------------------------------

EPILOG = """exit codes:
  0  all good
  1  an article or a feed failed (or no worker answered, with --queue)
  2  usage or configuration error: nothing was done"""


def _global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--config", "-c", default=default, metavar="FILE",
        help="path to newsaudio.toml (default: $NEWSAUDIO_CONFIG or ./newsaudio.toml)",
    )
    parser.add_argument(
        "--verbose", "-v", action="count", default=0 if default is None else default,
        help="more log output (-vv for debug)",
    )
    parser.add_argument(
        "--log-format", choices=LOG_FORMATS, default=default,
        help="log lines as text or as JSON objects, one a line (default: $NEWSAUDIO_LOG_FORMAT or text)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsaudio", description="German news articles into a podcast: poll, clean, speak, master, publish.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(parser, default=None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "run", help="poll the feeds, voice new articles, publish the podcast feeds",
        description="Poll each feed, fetch, clean and voice the articles that are new or changed, and publish "
        "the podcast feeds. Progress: a bar on a terminal, one log line per article and stage elsewhere.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--feed", action="append", metavar="NAME", help="only this feed (repeatable)")
    p.add_argument("--queue", action="store_true", help="send the work to Celery workers through the broker")
    p.add_argument(
        "--timeout", type=float, default=3600, metavar="SECONDS",
        help="with --queue: give up (exit 1) when a feed is not published within this time (default 3600)",
    )
    p.add_argument(
        "--worker-timeout", type=float, default=10, metavar="SECONDS",
        help="with --queue: give up (exit 1) when no worker answers within this time (default 10)",
    )
    p.add_argument("--json", action="store_true", help="progress and summary as JSON lines on stdout")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "demo", help="serve the bundled sample site on 127.0.0.1 and run on it",
        description="Serve the bundled sample site (sample/site/) on 127.0.0.1 and run the whole pipeline on it, "
        "offline. Its one missing page (http-404) is expected and does not fail the demo.",
    )
    p.add_argument("--json", action="store_true", help="progress and summary as JSON lines on stdout")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "extract", help="print the cleaned article of an HTML file or URL",
        description="Print what a listener would hear of a page: title, lead and text blocks, cleaned.",
    )
    p.add_argument(
        "sources", nargs="+", metavar="FILE|URL", help="an HTML file or an http(s) URL (several with --many)"
    )
    p.add_argument("--url", help="the page's URL, when reading a file (chooses the site rule)")
    p.add_argument("--json", action="store_true", help="print the Article as JSON (one line per page with --many)")
    p.add_argument("--many", action="store_true", help="extract many files (or a directory) in one process")
    p.set_defaults(func=cmd_extract, needs_config=False)

    p = sub.add_parser(
        "normalize", help="German text on stdin, speakable text on stdout, one segment per line",
        description="Turn German text (stdin) into the text the voice speaks: numbers, dates, units and "
        "abbreviations written out, the lexicon applied, split into segments (one per line on stdout).",
    )
    p.add_argument(
        "--max-chars", type=int, default=0, metavar="N",
        help="longest segment in characters (default: max_segment_chars from the config, 300)",
    )
    p.set_defaults(func=cmd_normalize, needs_config=False)

    p = sub.add_parser(
        "say", help="speak a text into an MP3",
        description="Speak any German text into a mastered MP3, with the same speech rules, voice and "
        "mastering as an article. Paragraphs are separated by blank lines.",
    )
    p.add_argument("text", help="the German text to speak (quote it)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the MP3 to write (its folder must exist)")
    p.add_argument(
        "--voice", metavar="NAME", help="voice profile (default: voice from the config; see `newsaudio voices`)"
    )
    p.set_defaults(func=cmd_say, needs_config=False)

    p = sub.add_parser(
        "status", help="a table of articles and their state",
        description="List the articles in the store: short id (accepted by regenerate, withdraw, restore), state, "
        "newest episode version and voice, and the title or why it failed.",
    )
    p.add_argument("--feed", metavar="NAME", help="only articles of this feed")
    p.add_argument(
        "--state", choices=["new", "prepared", "done", "skipped", "failed", "withdrawn"],
        help="only articles in this state",
    )
    p.add_argument("--article", metavar="ARTICLE", help="only this article (id, URL or GUID)")
    p.add_argument("--json", action="store_true", help="one JSON object per article (full ids)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("withdraw", help="take an episode out of its feed; its files answer 410 Gone")
    p.add_argument("article", metavar="ARTICLE", help="article id, URL or GUID")
    p.add_argument("--reason", default="", help="why (shown by `newsaudio status`)")
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser("restore", help="undo a withdrawal: the episode is back in its feed")
    p.add_argument("article", metavar="ARTICLE", help="article id, URL or GUID")
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser(
        "regenerate", help="voice articles again: named ones, or those a change touches",
        description="Voice articles again as a new episode version (same GUID): named ones (fetched again), "
        "those a lexicon edit touches, or those the fallback voice spoke.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "articles", nargs="*", metavar="ARTICLE",
        help="article ids (the 8 characters `newsaudio status` shows will do), URLs or GUIDs",
    )
    p.add_argument("--lexicon", action="store_true", help="articles whose text a lexicon edit touches")
    p.add_argument("--fallback-voice", action="store_true", help="episodes the fallback voice spoke")
    p.add_argument(
        "--force", action="store_true",
        help="voice them even when text, lexicon and voice are unchanged (e.g. after a voice or speech fix)",
    )
    p.add_argument("--dry-run", action="store_true", help="only list them")
    p.add_argument("--json", action="store_true", help="targets, progress and outcomes as JSON lines on stdout")
    p.set_defaults(func=cmd_regenerate)

    p = sub.add_parser(
        "voices", help="list voice profiles; fetch or export a model",
        description="List the voice profiles (ready, or what to do), download a profile's model, or export it "
        "to ONNX for the faster piper engine.",
    )
    p.add_argument(
        "action", nargs="?", choices=["list", "fetch", "export"], default="list",
        help="list (default), fetch NAME (download its model), export NAME (to ONNX)",
    )
    p.add_argument("name", nargs="?", help="the profile, with fetch or export")
    p.add_argument("-o", "--output", metavar="FILE", help="with export: where to write the .onnx file")
    p.add_argument("--accept-licence", action="store_true", help="with fetch: accept a non-commercial licence")
    p.add_argument("--json", action="store_true", help="with list: one JSON object per profile")
    p.set_defaults(func=cmd_voices, needs_config=False)

    p = sub.add_parser("serve", help="serve the feeds, audio, transcripts and /healthz over HTTP")
    p.add_argument("--host", help=f"address to listen on (default: setting serve_host, {Settings.serve_host})")
    p.add_argument("--port", type=int, help=f"port (default: setting serve_port, {Settings.serve_port})")
    p.set_defaults(func=cmd_serve)

    from pipeline.cli.editorial import add_parsers

    add_parsers(sub)

    for action in sub._choices_actions:  # argparse keeps the help texts only here
        choice = sub.choices[action.dest]
        # A subcommand's own --help shows its one-line help when it has no longer description.
        choice.description = choice.description or action.help
        # `newsaudio status -c other.toml` works too: a global option after the command
        # overrides, one before it stays when the command does not repeat it.
        _global_options(choice, default=argparse.SUPPRESS)
    return parser


def _errors() -> tuple[type[BaseException], ...]:
    from pipeline.cli.editorial import CommandError
    from pipeline.stages.speech.lexicon import LexiconError

    kinds: list[type[BaseException]] = [ConfigError, StageError, UsageError, OSError, CommandError, LexiconError]
    try:
        from voices import VoiceError

        kinds.append(VoiceError)
    except ImportError:
        pass
    return tuple(kinds)


def _database_error(exc: Exception, settings: Settings | None) -> str:
    from sqlalchemy.engine import make_url

    try:
        where = make_url(settings.db_url).render_as_string(hide_password=True) if settings else "the database"
    except Exception:  # an unparsable URL is its own error, below
        where = "the database"
    why = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"{where} does not answer ({why}): start it, or point database_url / NEWSAUDIO_DATABASE_URL at one that runs"
    )


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        fmt = args.log_format or log_format()
    except ConfigError as exc:
        setup_logging(0, "text")
        print_error(str(exc))
        return EXIT_USAGE
    setup_logging(args.verbose, fmt)
    try:
        if settings is None:
            if getattr(args, "needs_config", True) and find_config(args.config) is None:
                raise ConfigError(
                    f"no newsaudio.toml in {Path.cwd()}: give one with --config FILE or NEWSAUDIO_CONFIG=FILE, "
                    "or run in the folder that has it"
                )
            settings = load_settings(args.config)
        return args.func(args, settings)
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader has all it wanted.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Failed as exc:
        print_error(str(exc))
        return EXIT_FAILED
    except _errors() as exc:
        print_error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print_error("interrupted: finished articles are kept; run again to continue")
        return 130
    except Exception as exc:
        # The database's errors, without importing SQLAlchemy for commands that never touch it.
        sa = sys.modules.get("sqlalchemy.exc")
        if sa is not None and isinstance(exc, sa.ArgumentError):
            print_error(f"database_url is not a database URL ({exc}): fix it in the config or NEWSAUDIO_DATABASE_URL")
            return EXIT_USAGE
        if sa is not None and isinstance(exc, sa.SQLAlchemyError):
            print_error(_database_error(exc, settings))
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())

"""The ``newsaudio`` command. Each subcommand is a stage or jobs.run with a command line around it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.config import ConfigError, Settings, load_settings
from pipeline.models import StageError

console = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class UsageError(Exception):
    pass


# -- run / demo ------------------------------------------------------------------------------


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _run_in_process(settings: Settings, feed_names: list[str] | None):
    from pipeline import jobs

    with _progress() as progress:
        task = progress.add_task("polling feeds", total=None)

        def on_poll(polled: jobs.PollResult) -> None:
            progress.update(task, description=f"feed {polled.feed}", total=len(polled.article_ids), completed=0)
            if polled.error:
                console.print(f"[red]feed {polled.feed}: {polled.error}")

        def on_article(outcome: jobs.Outcome) -> None:
            progress.advance(task)
            logging.getLogger("newsaudio").info("%s %s %s", outcome.status, outcome.article_id, outcome.title)

        return jobs.run(settings, feed_names=feed_names, on_article=on_article, on_poll=on_poll)


def _run_on_queue(settings: Settings, feed_names: list[str] | None, timeout: float):
    """Send each feed's poll to the Celery workers and wait for its feed to be published."""
    from celery.result import AsyncResult

    from pipeline import jobs
    from workers.app import make_app

    app = make_app(settings)
    summary = jobs.RunSummary()
    store = jobs.open_store(settings)
    chosen = [settings.feed(n) for n in feed_names] if feed_names else settings.feeds
    for feed in chosen:
        try:
            polled = app.send_task("workers.tasks.poll_feed", args=(feed.name,)).get(timeout=timeout)
        except Exception as exc:
            raise UsageError(
                f"no answer from Celery workers via {settings.broker_url} ({type(exc).__name__}); "
                "start them with `honcho start` (or `celery -A workers.app worker -Q default,synth`)"
            ) from exc
        summary.polls.append(
            jobs.PollResult(feed.name, polled["article_ids"], polled["new"], polled["not_modified"], polled["error"])
        )
        summary.feed_paths.append(Path(AsyncResult(polled["publish_id"], app=app).get(timeout=timeout)))
        for article_id in polled["article_ids"]:
            row = store.get_article(article_id)
            latest = store.latest_episode(article_id)
            summary.outcomes.append(
                jobs.Outcome(
                    article_id, row.status, row.reason, row.message, title=row.title,
                    version=latest.episode.version if latest else 0,
                    duration_s=latest.episode.duration_s if latest else 0.0,
                )
            )
    return summary


def _print_summary(summary, settings: Settings, elapsed: float) -> None:
    from pipeline import jobs

    store = jobs.open_store(settings)
    table = Table(title="this run", show_lines=False)
    for col in ("status", "article", "detail"):
        table.add_column(col, overflow="fold")
    for o in summary.outcomes:
        if o.status in ("failed", "skipped"):
            detail = o.message
        else:
            detail = f"v{o.version}, {o.duration_s / 60:.1f} min"
            if o.synthesised:
                detail += f", {o.synthesised} segments spoken"
        colour = {"done": "green", "unchanged": "cyan", "skipped": "yellow", "failed": "red"}.get(o.status, "white")
        table.add_row(f"[{colour}]{o.status}", o.title or o.article_id, detail)
    if summary.outcomes:
        out.print(table)
    for polled in summary.polls:
        if polled.not_modified:
            out.print(f"feed {polled.feed}: not modified since the last poll (HTTP 304)")

    done = summary.count("done")
    unchanged = summary.count("unchanged")
    counts = (
        f"{done} done, {unchanged} unchanged, {summary.count('skipped')} skipped, "
        f"{len(summary.failed)} failed"
    )
    out.print(f"[bold]Articles this run:[/] {counts}  ({elapsed:.1f} s)")
    reasons: dict[str, int] = {}
    for o in summary.failed + [o for o in summary.outcomes if o.status == "skipped"]:
        reasons[o.reason] = reasons.get(o.reason, 0) + 1
    if reasons:
        out.print("  reasons: " + ", ".join(f"{r} x{n}" for r, n in sorted(reasons.items())))
    if summary.synthesised_segments == 0:
        out.print("Synthesised nothing: every episode's audio is up to date.")
    else:
        out.print(f"Synthesised {summary.synthesised_segments} segments.")
    for polled, path in zip(summary.polls, summary.feed_paths, strict=False):
        published = store.published_episodes(polled.feed)
        minutes = sum(r.episode.duration_s for r in published) / 60
        fallback = sum(1 for r in published if r.voice_is_fallback)
        out.print(f"Feed [bold]{polled.feed}[/]: {len(published)} episodes, {minutes:.1f} minutes of audio -> {path}")
        if fallback:
            out.print(f"  [yellow]{fallback} episodes spoken by the fallback voice[/] (see `newsaudio voices`)")
    out.print(f"Audio files: {settings.audio_dir}")


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.feeds:
        raise UsageError("no feeds configured: add a [[feeds]] table to newsaudio.toml")
    start = time.perf_counter()
    if args.queue:
        summary = _run_on_queue(settings, args.feed, args.timeout)
    else:
        summary = _run_in_process(settings, args.feed)
    _print_summary(summary, settings, time.perf_counter() - start)
    return 1 if summary.failed else 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from urllib.parse import urlsplit

    from pipeline.demo import serve_site

    feed = settings.feed("sample")
    port = urlsplit(feed.url).port or 80
    with serve_site(port=port) as base:
        out.print(f"Serving the bundled sample site at {base}/ (offline)")
        start = time.perf_counter()
        summary = _run_in_process(settings, ["sample"])
        _print_summary(summary, settings, time.perf_counter() - start)
    _print_listen_hint(settings, "sample")
    # The sample holds one missing page on purpose; the demo fails only when a real article did.
    unexpected = [o for o in summary.failed if o.reason != "http-404"]
    return 1 if unexpected else 0


def _print_listen_hint(settings: Settings, feed_name: str) -> None:
    """How to listen: the feed's URLs are built from public_base_url, which `newsaudio serve`
    answers at (the shipped config says "auto": this machine's network address and serve_port)."""
    from urllib.parse import urlsplit

    from rich.markup import escape

    from pipeline.publish import feed_url

    url = escape(feed_url(settings.public_base_url, feed_name))
    out.print(f"To listen: run [bold]newsaudio serve[/], then subscribe to [bold]{url}[/]")
    out.print("  in a podcast app on this network (or open it in a browser).")
    if urlsplit(settings.public_base_url).hostname in ("localhost", "127.0.0.1", "::1"):
        out.print('  Only this computer can reach it: set public_base_url = "auto" for phones on the network.')


# -- stages ----------------------------------------------------------------------------------


def _read_source(source: str, settings: Settings) -> tuple[str, str]:
    from pipeline.charset import decode_html
    from pipeline.fetch import fetch

    if source.startswith(("http://", "https://")):
        page = fetch(source, settings)
        return page.text, page.url
    path = Path(source)
    if not path.is_file():
        raise UsageError(f"{source}: no such file (give an HTML file or an http(s) URL)")
    return decode_html(path.read_bytes()), ""


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.extract import extract, render_text

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
            article = extract(html, args.url or fetched_url, rules_dir=settings.site_rules)
        except StageError as exc:
            failed += 1
            console.print(f"[red]{src}: {exc}")
            readable = getattr(exc, "article", None)  # a refused page still shows what it holds
            if args.json and readable is not None and (readable.lead or readable.blocks):
                data = {"refused": str(exc), **readable.to_dict(), **({"source": src} if args.many else {})}
                out.print(json.dumps(data, ensure_ascii=False, indent=None if args.many else 2), markup=False)
            continue
        if args.many and not args.json:
            out.print(f"==> {src} <==")
        if args.json:
            data = article.to_dict()
            if args.many:
                data["source"] = src
            out.print(json.dumps(data, ensure_ascii=False, indent=None if args.many else 2))
        else:
            out.print(render_text(article))
            if args.many and i < len(sources) - 1:
                out.print()
    return 1 if failed else 0


def cmd_normalize(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import jobs
    from pipeline.speech import normalize

    text = sys.stdin.read()
    lexicon = jobs.current_lexicon(settings)
    for segment in normalize(text, lexicon=lexicon, max_chars=args.max_chars or settings.max_segment_chars):
        out.print(segment)
    return 0


def cmd_say(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import jobs
    from pipeline.publish import atomic_write

    try:
        mastered, voice = jobs.say(args.text, settings, args.voice)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if voice.is_fallback:
        console.print(f"[yellow]spoke with {voice.identity}: {voice.fallback_reason}")
    atomic_write(Path(args.output), mastered.mp3)
    out.print(f"{args.output}: {mastered.duration_s:.1f} s, {mastered.loudness_lufs:.1f} LUFS, voice {voice.identity}")
    return 0


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
        table.add_row(article_id, str(counts["play"]), f"{share}%", title[:70])
    out.print(table)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import jobs

    store = jobs.open_store(settings)
    rows = store.list_articles(args.feed, args.state)
    if getattr(args, "article", None):
        wanted = _resolve(args.article, settings, store)
        rows = [r for r in rows if r.id == wanted]
    table = Table()
    for col in ("id", "feed", "status", "version", "voice", "title / reason"):
        table.add_column(col, overflow="fold")
    newest = {e.article_id: e for feed in {r.feed for r in rows} for e in store.published_episodes(feed)}
    for r in rows:
        latest = newest.get(r.id)
        table.add_row(
            r.id, r.feed, r.status, f"v{latest.episode.version}" if latest else "-",
            latest.episode.voice if latest else "-",
            r.title[:70] if r.status not in ("failed", "skipped", "withdrawn") else f"{r.reason}: {r.message}",
        )
    out.print(table)
    _print_listening([(r.id, r.guid, r.title) for r in rows], store.listen_totals())
    return 0


def cmd_voices(args: argparse.Namespace, settings: Settings) -> int:
    import voices

    if args.action == "fetch":
        if not args.verbose:
            # Coqui logs a full traceback for a failed download; our one-line error says it all.
            logging.getLogger("TTS").setLevel(logging.CRITICAL)
        path = voices.fetch_model(args.name, settings, accept_licence=args.accept_licence)
        out.print(f"{args.name}: model files in {path}")
        return 0
    if args.action == "export":
        target = Path(args.output) if args.output else None
        path = voices.export_onnx(args.name, settings, target)
        out.print(f"{args.name}: ONNX voice written to {path}")
        return 0
    for status in voices.list_profiles(settings):
        line = f"{status.name}  {'ready' if status.ready else 'not ready: ' + status.reason}"
        out.print(line)
    return 0


def cmd_regenerate(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import jobs

    store = jobs.open_store(settings)
    if args.articles:
        ids = [_resolve(a, settings, store) for a in args.articles]
        targets = [jobs.Touched(a, store.get_article(a).title, "asked for") for a in ids]
    elif args.lexicon or args.fallback_voice:
        targets = jobs.needing_regeneration(settings, lexicon=args.lexicon, fallback_voice=args.fallback_voice)
    else:
        raise UsageError("name article ids (see `newsaudio status`), or --lexicon, or --fallback-voice")
    for t in targets:
        out.print(f"{t.article_id}  {t.title}  ({t.reason})")
    if not targets:
        out.print("Nothing to regenerate.")
    if args.dry_run or not targets:
        return 0
    failed = 0
    with _progress() as progress:
        task = progress.add_task("regenerating", total=len(targets))
        for t in targets:
            # Named articles are fetched again (the page may have been fixed); a lexicon or voice
            # change re-speaks the stored text.
            run = jobs.process_article if args.articles else jobs.render_article
            outcome = run(t.article_id, settings, store)
            failed += outcome.status == "failed"
            progress.advance(task)
            out.print(f"{outcome.status:9} {t.article_id} v{outcome.version} {outcome.message}")
    for feed in {store.get_article(t.article_id).feed for t in targets}:
        jobs.publish_feed(feed, settings, store)
    return 1 if failed else 0


# -- serve ---------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from rich.markup import escape

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
    from pipeline import jobs
    from pipeline.store import UnknownArticle

    try:
        return jobs.resolve_article(article, settings, store)
    except UnknownArticle as exc:
        raise UsageError(str(exc)) from exc


def cmd_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import jobs
    from pipeline.lifecycle import WithdrawalError

    store = jobs.open_store(settings)
    article_id = _resolve(args.article, settings, store)
    try:
        if args.command == "restore":
            done = jobs.restore(article_id, settings, store)
            out.print(f"restored {article_id}: back in feed {done.feed}, {len(done.files)} files published again")
        else:
            done = jobs.withdraw(article_id, settings, message=args.reason, store=store)
            out.print(f"withdrew {article_id}: out of feed {done.feed}, {len(done.files)} files now answer 410 Gone")
    except WithdrawalError as exc:
        raise UsageError(str(exc)) from exc
    return 0


# -- entry point -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsaudio", description="German news articles into a podcast.")
    parser.add_argument(
        "--config", "-c", help="path to newsaudio.toml (default: $NEWSAUDIO_CONFIG or ./newsaudio.toml)"
    )
    parser.add_argument("--verbose", "-v", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="poll the feeds, voice new articles, publish the podcast feeds")
    p.add_argument("--feed", action="append", help="only this feed (repeatable)")
    p.add_argument("--queue", action="store_true", help="send the work to Celery workers through the broker")
    p.add_argument("--timeout", type=float, default=3600, help="with --queue: seconds to wait for the workers")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="serve the bundled sample site on 127.0.0.1 and run on it")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("extract", help="print the cleaned article of an HTML file or URL")
    p.add_argument("sources", nargs="+", metavar="FILE|URL")
    p.add_argument("--url", help="the page's URL, when reading a file (chooses the site rule)")
    p.add_argument("--json", action="store_true", help="print the Article as JSON")
    p.add_argument("--many", action="store_true", help="extract many files (or a directory) in one process")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("normalize", help="German text on stdin, speakable text on stdout, one segment per line")
    p.add_argument("--max-chars", type=int, default=0)
    p.set_defaults(func=cmd_normalize)

    p = sub.add_parser("say", help="speak a text into an MP3")
    p.add_argument("text")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--voice")
    p.set_defaults(func=cmd_say)

    p = sub.add_parser("status", help="a table of articles and their state")
    p.add_argument("--feed")
    p.add_argument("--state", choices=["new", "prepared", "done", "skipped", "failed", "withdrawn"])
    p.add_argument("--article", metavar="ARTICLE", help="only this article (id, URL or GUID)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("withdraw", help="take an episode out of its feed; its files answer 410 Gone")
    p.add_argument("article", metavar="ARTICLE", help="article id, URL or GUID")
    p.add_argument("--reason", default="", help="why (shown by `newsaudio status`)")
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser("restore", help="undo a withdrawal: the episode is back in its feed")
    p.add_argument("article", metavar="ARTICLE", help="article id, URL or GUID")
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser("regenerate", help="voice articles again: named ones, or those a change touches")
    p.add_argument("articles", nargs="*", metavar="ARTICLE", help="article ids, URLs or GUIDs")
    p.add_argument("--lexicon", action="store_true", help="articles whose text a lexicon edit touches")
    p.add_argument("--fallback-voice", action="store_true", help="episodes the fallback voice spoke")
    p.add_argument("--dry-run", action="store_true", help="only list them")
    p.set_defaults(func=cmd_regenerate)

    p = sub.add_parser("voices", help="list voice profiles; fetch or export a model")
    p.add_argument("action", nargs="?", choices=["list", "fetch", "export"], default="list")
    p.add_argument("name", nargs="?")
    p.add_argument("-o", "--output", help="with export: where to write the .onnx file")
    p.add_argument("--accept-licence", action="store_true", help="with fetch: accept a non-commercial licence")
    p.set_defaults(func=cmd_voices)

    p = sub.add_parser("serve", help="serve the feeds, audio, transcripts and /healthz over HTTP")
    p.add_argument("--host", help=f"address to listen on (default: setting serve_host, {Settings.serve_host})")
    p.add_argument("--port", type=int, help=f"port (default: setting serve_port, {Settings.serve_port})")
    p.set_defaults(func=cmd_serve)

    from pipeline.console_cli import add_parsers

    add_parsers(sub)
    return parser


def _errors() -> tuple[type[BaseException], ...]:
    from pipeline.console_cli import CommandError
    from pipeline.speech.lexicon import LexiconError

    kinds: list[type[BaseException]] = [ConfigError, StageError, UsageError, OSError, CommandError, LexiconError]
    try:
        from voices import VoiceError

        kinds.append(VoiceError)
    except ImportError:
        pass
    return tuple(kinds)


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * args.verbose
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "voices" and args.action in ("fetch", "export") and not args.name:
        parser.error(f"voices {args.action} needs a profile NAME")
    try:
        settings = settings or load_settings(args.config)
        return args.func(args, settings)
    except _errors() as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    except KeyboardInterrupt:
        console.print("interrupted: finished articles are kept; run again to continue")
        return 130


if __name__ == "__main__":
    sys.exit(main())

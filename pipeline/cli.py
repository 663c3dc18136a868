"""The ``newsaudio`` command. Each subcommand is a stage or jobs.run with a command line around it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.config import ConfigError, Settings, load_settings
from pipeline.models import StageError

console = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class UsageError(Exception):
    pass


def _plain(text: str) -> None:
    """Machine output (extracted text, JSON): printed as is, never read as markup or emoji."""
    out.print(text, markup=False, emoji=False, highlight=False)


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
                console.print(f"[red]feed {escape(polled.feed)}: {escape(polled.error)}")

        def on_article(outcome: jobs.Outcome) -> None:
            progress.advance(task)
            logging.getLogger("newsaudio").info("%s %s %s", outcome.status, outcome.article_id, outcome.title)

        return jobs.run(settings, feed_names=feed_names, on_article=on_article, on_poll=on_poll)


def _run_on_queue(settings: Settings, feed_names: list[str] | None, timeout: float):
    """Send each feed's poll to the Celery workers and follow its articles to the published feed."""
    from pipeline.queued import Progress as Advance
    from pipeline.queued import QueueError, run_on_queue

    def on_progress(p: Advance) -> None:
        console.print(f"feed {escape(p.feed)}: {p.ended} of {p.total} articles ended", highlight=False)

    try:
        return run_on_queue(settings, feed_names, timeout, on_progress)
    except QueueError as exc:
        raise UsageError(str(exc)) from None


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
        table.add_row(f"[{colour}]{escape(o.status)}", escape(o.title or o.article_id), escape(detail))
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
        out.print(f"Feed [bold]{escape(polled.feed)}[/]: {len(published)} episodes, {minutes:.1f} minutes of audio -> "
                  f"{escape(str(path))}")
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
    for polled in summary.failed_polls:
        console.print(
            f"[red]feed {escape(polled.feed)} failed:[/] {escape(polled.error)} (the last good feed file is kept)"
        )
    return 1 if summary.failed or summary.failed_polls else 0


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
    # The sample holds one missing page on purpose; the demo fails only when a real article did.
    unexpected = [o for o in summary.failed if o.reason != "http-404"]
    return 1 if unexpected else 0


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
    from pipeline import clean
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
            article = extract(clean.clean_html(html), args.url or fetched_url, rules_dir=settings.site_rules)
            article = clean.clean_article(article, title_limit=settings.max_title_chars, allow_file=True)
        except StageError as exc:
            failed += 1
            console.print(f"[red]{escape(src)}: {escape(str(exc))}")
            continue
        if args.many and not args.json:
            _plain(f"==> {src} <==")
        if args.json:
            data = article.to_dict()
            if args.many:
                data["source"] = src
            _plain(json.dumps(data, ensure_ascii=False, indent=None if args.many else 2))
        else:
            _plain(render_text(article))
            if args.many and i < len(sources) - 1:
                out.print()
    return 1 if failed else 0


def cmd_normalize(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.speech import load_lexicon, normalize

    text = sys.stdin.read()
    lexicon = load_lexicon(settings.lexicon)
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


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import jobs

    store = jobs.open_store(settings)
    rows = store.list_articles(args.feed, args.state)
    table = Table()
    for col in ("id", "feed", "status", "version", "voice", "title / reason"):
        table.add_column(col, overflow="fold")
    newest = {e.article_id: e for feed in {r.feed for r in rows} for e in store.published_episodes(feed)}
    for r in rows:
        latest = newest.get(r.id)
        table.add_row(*(escape(cell) for cell in (
            r.id, r.feed, r.status, f"v{latest.episode.version}" if latest else "-",
            latest.episode.voice if latest else "-",
            r.title[:70] if r.status not in ("failed", "skipped") else f"{r.reason}: {r.message}",
        )))
    out.print(table)
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
        targets = [jobs.Touched(a, store.get_article(a).title, "asked for") for a in args.articles]
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
    p.add_argument("--state", choices=["new", "prepared", "done", "skipped", "failed"])
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("regenerate", help="voice articles again: named ones, or those a change touches")
    p.add_argument("articles", nargs="*", metavar="ARTICLE_ID")
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
    return parser


def _errors() -> tuple[type[BaseException], ...]:
    kinds: list[type[BaseException]] = [ConfigError, StageError, UsageError, OSError]
    try:  # the store unreachable (PostgreSQL restarting): one line, not a traceback
        from sqlalchemy.exc import InterfaceError, OperationalError

        kinds += [OperationalError, InterfaceError]
    except ImportError:
        pass
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
        console.print(f"[red]error:[/] {escape(str(exc))}")
        return 2
    except KeyboardInterrupt:
        console.print("interrupted: finished articles are kept; run again to continue")
        return 130


if __name__ == "__main__":
    sys.exit(main())

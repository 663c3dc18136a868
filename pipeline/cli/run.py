"""`newsaudio run|demo`: poll the feeds, voice what is new and publish, in this process or
through the Celery workers (``run --queue``), then print what the run did."""

from __future__ import annotations

import argparse
import time
from urllib.parse import urlsplit

from rich.table import Table
from rich.text import Text

from pipeline.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Failed, UsageError
from pipeline.cli.progress import Reporter, make_reporter, outcome_detail
from pipeline.cli.terminal import emit_json, escape, out
from pipeline.cli.voices import check_voice
from pipeline.config import Settings
from pipeline.run.feed import RunSummary, run
from pipeline.run.sample_site import serve_site
from pipeline.stages.publish.names import feed_url
from pipeline.state.episodes import published_episodes
from pipeline.state.store import open_store
from workers.client import WorkersUnavailable, run_on_queue


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.feeds:
        raise UsageError("no feeds configured: add a [[feeds]] table to newsaudio.toml")
    for name in args.feed or []:
        settings.feed(name)  # an unknown name is a usage error before anything runs

    open_store(settings)  # a database that does not answer: one error line before any progress
    check_voice(settings)
    start = time.perf_counter()
    reporter = make_reporter(args.json, queue=args.queue)
    if args.queue:
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
    feed = settings.feed("sample")
    port = urlsplit(feed.url).port or 80
    check_voice(settings)
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


def _run_in_process(settings: Settings, feed_names: list[str] | None, reporter: Reporter) -> RunSummary:
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


def _exit_code(summary: RunSummary) -> int:
    return EXIT_FAILED if summary.failed or summary.failed_polls else EXIT_OK


def _print_summary(summary: RunSummary, settings: Settings, elapsed: float, as_json: bool = False) -> None:
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


def _print_listen_hint(settings: Settings, feed_name: str) -> None:
    """How to listen: the feed's URLs are built from public_base_url, which `newsaudio serve`
    answers at (the shipped config says "auto": this machine's network address and serve_port)."""
    url = escape(feed_url(settings.public_base_url, feed_name))
    out.print(f"To listen: run [bold]newsaudio serve[/], then subscribe to [bold]{url}[/]")
    out.print("  in a podcast app on this network (or open it in a browser).")
    if urlsplit(settings.public_base_url).hostname in ("localhost", "127.0.0.1", "::1"):
        out.print('  Only this computer can reach it: set public_base_url = "auto" for phones on the network.')

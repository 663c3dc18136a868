"""Progress of long work (run, demo, regenerate) as the place it is watched needs it:

- on a terminal, a bar naming the feed, the article and its stage, with counts;
- elsewhere (cron, CI, a log collector), one log line per article and stage, as they happen;
- with ``--json``, one JSON object per event on stdout.

The reporters are fed by the callbacks of ``pipeline.run.feed.run`` (poll, stage, article), by
``workers.client`` (``run --queue``) and by the CLI.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from pipeline.cli.terminal import FIELDS, emit_json, err, escape, log_format, shorten
from pipeline.run.feed import PollResult
from pipeline.run.steps import Outcome

log = logging.getLogger("newsaudio.progress")

# Within one stage of one article, a progress line at most this often (outside a terminal).
REPEAT_S = 30.0


class Reporter(Protocol):
    def polling(self, feed: str, url: str) -> None: ...
    def polled(self, polled: PollResult) -> None: ...
    def planned(self, feed: str, total: int) -> None: ...
    def stage(self, article_id: str, title: str, stage: str, detail: str = "") -> None: ...
    def article(self, outcome: Outcome) -> None: ...
    def note(self, message: str, **fields: Any) -> None: ...
    def close(self) -> None: ...


def outcome_detail(o: Outcome) -> str:
    """What happened to one article, in a few words."""
    if o.status in ("failed", "skipped"):
        return f"{o.reason}: {o.message}" if o.reason else o.message
    detail = f"v{o.version}, {o.duration_s / 60:.1f} min"
    if o.synthesised:
        detail += f", {o.synthesised} segments spoken"
    return detail


@dataclass
class _Counts:
    """Where in the current feed the work is: the n-th of m articles."""

    feed: str = ""
    total: int = 0
    index: int = 0
    current: str = ""
    seen: set[str] = field(default_factory=set)

    def start(self, feed: str, total: int) -> None:
        self.feed, self.total, self.index, self.current, self.seen = feed, total, 0, "", set()

    def enter(self, article_id: str) -> None:
        if article_id not in self.seen:
            self.seen.add(article_id)
            self.index += 1
        self.current = article_id

    @property
    def position(self) -> str:
        return f"{self.index}/{self.total}" if self.total else str(self.index)


class LogReporter:
    """One log line per article and stage (text or JSON, as logging is set up)."""

    def __init__(self) -> None:
        self.counts = _Counts()
        self.last_stage: tuple[str, str] = ("", "")
        self.last_at = 0.0

    def _log(self, message: str, level: int = logging.INFO, /, **fields: Any) -> None:
        log.log(level, message, extra={FIELDS: fields})

    def polling(self, feed: str, url: str) -> None:
        self._log(f"feed {feed}: polling {url}", event="poll", feed=feed, url=url)

    def polled(self, polled: PollResult) -> None:
        self.counts.start(polled.feed, len(polled.article_ids))
        if polled.error:
            # jobs already logged the error itself; say only what happens now.
            what = "poll failed; the last good feed file is kept"
            what += f", retrying {len(polled.article_ids)} articles" if polled.article_ids else ""
        elif polled.not_modified:
            what = f"not modified since the last poll, {len(polled.article_ids)} articles to retry"
        else:
            what = f"{len(polled.article_ids)} articles to process ({polled.new} new)"
        self._log(
            f"feed {polled.feed}: {what}", event="polled", feed=polled.feed, articles=len(polled.article_ids),
            new=polled.new, not_modified=polled.not_modified, error=polled.error,
        )

    def planned(self, feed: str, total: int) -> None:
        self.counts.start(feed, total)

    def stage(self, article_id: str, title: str, stage: str, detail: str = "") -> None:
        self.counts.enter(article_id)
        # Within a stage (segments spoken), a line at most every REPEAT_S: enough to see a long
        # synthesis move without a line per sentence.
        now = time.monotonic()
        if (article_id, stage) == self.last_stage and now - self.last_at < REPEAT_S:
            return
        self.last_stage, self.last_at = (article_id, stage), now
        extra = f" ({detail})" if detail and stage != "fetch" else ""
        self._log(
            f"[{self.counts.position}] {article_id[:8]} {stage}{extra}: {title}", event="stage",
            feed=self.counts.feed, article_id=article_id, title=title, stage=stage, detail=detail,
            index=self.counts.index, total=self.counts.total,
        )

    def article(self, outcome: Outcome) -> None:
        self.counts.enter(outcome.article_id)
        # Info even when it failed: jobs logged the failure as a warning already.
        level = logging.INFO
        fields = outcome.to_dict()
        fields["problem"] = fields.pop("message")  # "message" is the log line's own text
        self._log(
            f"[{self.counts.position}] {outcome.article_id[:8]} {outcome.status} ({outcome_detail(outcome)}): "
            f"{outcome.title}", level, event="article", feed=self.counts.feed, index=self.counts.index,
            total=self.counts.total, **fields,
        )

    def note(self, message: str, **fields: Any) -> None:
        self._log(message, event="note", **fields)

    def close(self) -> None:
        pass


class JsonReporter(LogReporter):
    """The same events as JSON lines on stdout, for scripts (``--json``)."""

    def _log(self, message: str, level: int = logging.INFO, /, **fields: Any) -> None:
        emit_json({**fields, "message": message})


class BarReporter:
    """A rich progress bar on the terminal: feed, n/m, article title and stage."""

    def __init__(self) -> None:
        self.counts = _Counts()
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.progress.start()
        self.task: TaskID = self.progress.add_task("starting", total=None)

    def _show(self, text: str) -> None:
        # The description is markup: everything from outside is escaped.
        width = max(20, err.width - 45)
        # Drawn at once, not at the next tick: a short stage would otherwise never be seen.
        self.progress.update(self.task, description=escape(shorten(text, width)), refresh=True)

    def polling(self, feed: str, url: str) -> None:
        self._show(f"feed {feed}: polling")

    def polled(self, polled: PollResult) -> None:
        self.planned(polled.feed, len(polled.article_ids))

    def planned(self, feed: str, total: int) -> None:
        self.counts.start(feed, total)
        self.progress.reset(self.task, total=total or None, completed=0)
        self._show(f"feed {feed}")

    def stage(self, article_id: str, title: str, stage: str, detail: str = "") -> None:
        self.counts.enter(article_id)
        extra = f" ({detail})" if detail and stage != "fetch" else ""
        self._show(f"{self.counts.feed} · {stage}{extra} · {title or article_id}")

    def article(self, outcome: Outcome) -> None:
        self.counts.enter(outcome.article_id)
        self.progress.advance(self.task)

    def note(self, message: str, **fields: Any) -> None:
        self._show(message)

    def close(self) -> None:
        self.progress.stop()


def make_reporter(json_lines: bool, *, queue: bool = False) -> Reporter:
    """JSON lines when asked; a bar on a terminal with text logs; else log lines."""
    if json_lines:
        return JsonReporter()
    if err.is_terminal and log_format() == "text":
        return BarReporter()
    return LogReporter()

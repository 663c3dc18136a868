"""What the command line prints, and how: people get rich text on a terminal, log collectors
get one line (or one JSON object) per event, and machine output never goes through rich markup.

Titles, URLs and error messages come from the outside world: a title containing ``[/b]`` must be
printed as written, never parsed as markup (rich would raise on a closing tag it never opened).
Everything variable printed through rich is therefore escaped, or passed as ``Text``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

__all__ = ["err", "escape", "out", "emit_json", "print_plain", "setup_logging", "print_error", "shorten"]

# Human output (tables, summaries) on stdout; warnings, errors and progress on stderr.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_state = {"format": "text"}

# Extra structured fields a log record may carry (``extra={"fields": {...}}``): JSON logs keep
# them as keys, text logs have them in the message already.
FIELDS = "fields"


def print_plain(text: str) -> None:
    """Content (article text, segments) exactly as it is: no markup, no wrapping, no colour."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def emit_json(obj: dict[str, Any]) -> None:
    """One JSON object on one line of stdout (``--json``)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut at a word boundary and ending in an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    cut = text[: width - 1]
    space = cut.rfind(" ")
    # Cut at the last word boundary, unless that throws away much of the room (a long word or
    # a URL says more cut than left out).
    if space >= max(width // 2, width - 16):
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and any structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, FIELDS, None) or {})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class ConsoleHandler(logging.Handler):
    """Log lines through the stderr console: while a progress bar runs, rich prints them above
    the bar instead of gluing them onto it; warnings stand out in colour on a terminal."""

    STYLES = {logging.WARNING: "bold yellow", logging.ERROR: "bold red", logging.CRITICAL: "bold red"}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            if isinstance(self.formatter, JsonFormatter):
                err.file.write(line + "\n")
                err.file.flush()
                return
            err.print(Text(line, style=self.STYLES.get(record.levelno, "")), soft_wrap=True)
        except Exception:  # logging must never take the command down
            self.handleError(record)


def setup_logging(verbose: int, log_format: str) -> None:
    """Warnings and errors always; -v for info, -vv for debug. Progress lines (logger
    ``newsaudio.progress``) are info, but shown at the default level: they are the point."""
    _state["format"] = log_format
    handler = ConsoleHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    elif err.is_terminal:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        # Under cron or a log collector every line needs its own time.
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING - 10 * verbose)
    logging.getLogger("newsaudio.progress").setLevel(logging.INFO)


def log_format() -> str:
    return _state["format"]


def print_error(message: str) -> None:
    """The one line an operator reads when the command cannot go on."""
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    if _state["format"] == "json":
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": "error",
                  "logger": "newsaudio", "message": message}
        err.file.write(json.dumps(record, ensure_ascii=False) + "\n")
        err.file.flush()
        return
    err.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)

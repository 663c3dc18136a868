"""The ``newsaudio`` entry point: parse the command line, load the config, run the chosen
command, and turn whatever goes wrong into one line on stderr and an exit code (never a traceback).

Where things live: ``parser`` (every subcommand, its options and help texts), ``exits`` (the exit
codes and the exceptions that choose them), one module per command group (``run``, ``regenerate``,
``articles``, ``stages``, ``voices``, ``serve``, ``editorial``), ``progress`` and ``terminal``
(how the commands print).

Adding a subcommand: in ``parser``, ``p = sub.add_parser(name, help=..., description=...)``, a help
text for each option and ``p.set_defaults(handler="pipeline.cli.<module>:cmd_name")``; in that
module ``def cmd_name(args, settings) -> int``. Raise UsageError for a bad input: main prints it as
one line and exits 2. A command that works without a config file (no store, no feeds) sets
``needs_config=False`` in set_defaults. Print what comes from outside (titles, URLs, messages) as
``Text(...)`` or ``escape(...)``d, and machine output with ``emit_json`` / ``print_plain``, never
through rich markup.

Exit codes: 0 all good; 1 an article or a feed failed (or the workers did not answer); 2 usage or
configuration error (bad option, unknown name, missing config, database down): nothing was done;
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Failed, UsageError
from pipeline.cli.parser import build_parser
from pipeline.cli.terminal import print_error, setup_logging
from pipeline.config import ConfigError, Settings, find_config, load_settings, log_format
from pipeline.models import StageError

__all__ = ["main", "build_parser"]

Command = Callable[[argparse.Namespace, Settings], int]


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
        return command(args.handler)(args, settings)
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader has all it wanted.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Failed as exc:
        print_error(str(exc))
        return EXIT_FAILED
    except _user_errors() as exc:
        print_error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print_error("interrupted: finished articles are kept; run again to continue")
        return EXIT_INTERRUPTED
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


def command(handler: str) -> Command:
    """The function a subcommand names (``"pipeline.cli.articles:cmd_status"``). Only its module is
    imported: `newsaudio status` never loads the stages, the voices, torch or Celery."""
    module, _, name = handler.partition(":")
    func: Command = getattr(importlib.import_module(module), name)
    return func


def _user_errors() -> tuple[type[BaseException], ...]:
    """The errors that are the user's to fix (one line, exit 2). The lexicon's and the voices' are
    looked up among the loaded modules: one that was never imported raised nothing, and importing
    it here would load the speech rules and numpy for every command."""
    kinds: list[type[BaseException]] = [ConfigError, StageError, UsageError, OSError]
    for module, name in (("pipeline.stages.speech.lexicon", "LexiconError"), ("voices.errors", "VoiceError")):
        loaded = sys.modules.get(module)
        if loaded is not None:
            kinds.append(getattr(loaded, name))
    return tuple(kinds)


def _database_error(exc: Exception, settings: Settings | None) -> str:
    # Lazy: only a command that opened the store gets here, and SQLAlchemy is loaded by then.
    from sqlalchemy.engine import make_url

    try:
        where = make_url(settings.db_url).render_as_string(hide_password=True) if settings else "the database"
    except Exception:  # an unparsable URL is its own error, below
        where = "the database"
    why = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"{where} does not answer ({why}): start it, or point database_url / NEWSAUDIO_DATABASE_URL at one that runs"
    )


if __name__ == "__main__":
    sys.exit(main())

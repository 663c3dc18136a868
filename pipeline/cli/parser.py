"""The ``newsaudio`` command line: every subcommand, its options and help texts, and which
function runs it, named as ``"module:function"`` so that only the chosen command's module is
imported (``newsaudio status`` or ``--help`` never loads the stages, the voices or Celery)."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from pipeline.cli.exits import EPILOG
from pipeline.config import LOG_FORMATS, Settings


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
    _run_commands(sub)
    _stage_commands(sub)
    _article_commands(sub)
    _voice_and_serve_commands(sub)
    _editorial_commands(sub)

    for action in sub._choices_actions:  # argparse keeps the help texts only here
        choice = sub.choices[action.dest]
        # A subcommand's own --help shows its one-line help when it has no longer description.
        choice.description = choice.description or action.help
        # `newsaudio status -c other.toml` works too: a global option after the command
        # overrides, one before it stays when the command does not repeat it.
        _global_options(choice, default=argparse.SUPPRESS)
    return parser


def _run_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run", help="poll the feeds, voice new articles, publish the podcast feeds",
        description="Poll each feed, fetch, clean and voice the articles that are new or changed, and publish "
        "the podcast feeds. Progress: a bar on a terminal, one log line per article and stage elsewhere.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--feed", action="append", metavar="NAME", help="only this feed (repeatable)")
    p.add_argument("--queue", action="store_true", help="send the work to Celery workers through the broker")
    p.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS",
        help="with --queue: give up (exit 1) when a feed is not published within this time (default: twice the "
        "synth hard limit plus lease_timeout_s and reconcile_s, 3900 s as shipped)",
    )
    p.add_argument(
        "--worker-timeout", type=float, default=10, metavar="SECONDS",
        help="with --queue: give up (exit 1) when no worker answers within this time (default 10)",
    )
    p.add_argument("--json", action="store_true", help="progress and summary as JSON lines on stdout")
    p.set_defaults(handler="pipeline.cli.run:cmd_run")

    p = sub.add_parser(
        "demo", help="serve the bundled sample site on 127.0.0.1 and run on it",
        description="Serve the bundled sample site (sample/site/) on 127.0.0.1 and run the whole pipeline on it, "
        "offline. Its one missing page (http-404) is expected and does not fail the demo.",
    )
    p.add_argument("--json", action="store_true", help="progress and summary as JSON lines on stdout")
    p.set_defaults(handler="pipeline.cli.run:cmd_demo")


def _stage_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    p.set_defaults(handler="pipeline.cli.stages:cmd_extract", needs_config=False)

    p = sub.add_parser(
        "normalize", help="German text on stdin, speakable text on stdout, one segment per line",
        description="Turn German text (stdin) into the text the voice speaks: numbers, dates, units and "
        "abbreviations written out, the lexicon applied, split into segments (one per line on stdout).",
    )
    p.add_argument(
        "--max-chars", type=int, default=0, metavar="N",
        help="longest segment in characters (default: max_segment_chars from the config, 300)",
    )
    p.set_defaults(handler="pipeline.cli.stages:cmd_normalize", needs_config=False)

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
    p.set_defaults(handler="pipeline.cli.stages:cmd_say", needs_config=False)


def _article_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    p.set_defaults(handler="pipeline.cli.articles:cmd_status")

    p = sub.add_parser("withdraw", help="take an episode out of its feed; its files answer 410 Gone")
    p.add_argument("article", metavar="ARTICLE", help="article id, URL or GUID")
    p.add_argument("--reason", default="", help="why (shown by `newsaudio status`)")
    p.set_defaults(handler="pipeline.cli.articles:cmd_withdraw")

    p = sub.add_parser("restore", help="undo a withdrawal: the episode is back in its feed")
    p.add_argument("article", metavar="ARTICLE", help="article id, URL or GUID")
    p.set_defaults(handler="pipeline.cli.articles:cmd_withdraw")

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
    p.set_defaults(handler="pipeline.cli.regenerate:cmd_regenerate")


def _voice_and_serve_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    p.set_defaults(handler="pipeline.cli.voices:cmd_voices", needs_config=False)

    p = sub.add_parser("serve", help="serve the feeds, audio, transcripts and /healthz over HTTP")
    p.add_argument("--host", help=f"address to listen on (default: setting serve_host, {Settings.serve_host})")
    p.add_argument("--port", type=int, help=f"port (default: setting serve_port, {Settings.serve_port})")
    p.set_defaults(handler="pipeline.cli.serve:cmd_serve")


def _editorial_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("lexicon", help="the pronunciation lexicon in the store: history, export, import")
    p.add_argument(
        "action", choices=["history", "export", "import"],
        help="history (the versions), export FILE (the current lexicon), import FILE (a new version)",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="with export or import: the TOML file")
    p.add_argument("--message", "-m", default="", help="with import: what changed")
    p.add_argument("--author", default=getpass.getuser(), help="with import: who (default: you)")
    p.set_defaults(handler="pipeline.cli.editorial:cmd_lexicon")

    p = sub.add_parser("users", help="console accounts: add an editor or admin, list them")
    p.add_argument("action", choices=["add", "list"], help="add NAME (asks a password), or list the accounts")
    p.add_argument("name", nargs="?", metavar="NAME", help="with add: the account's name")
    p.add_argument("--role", choices=["editor", "admin"], help="with add: what the account may do")
    p.add_argument("--setup-link", action="store_true", help="print a one-time link instead of asking a password")
    p.set_defaults(handler="pipeline.cli.editorial:cmd_users")

    p = sub.add_parser("tokens", help="API tokens for the CMS: add (shown once), list, revoke ID")
    p.add_argument("action", choices=["add", "list", "revoke"], help="add NAME, list, or revoke ID")
    p.add_argument("name", nargs="?", metavar="NAME|ID", help="with add: a name for the token; with revoke: its id")
    p.add_argument("--scope", default="read", help="comma-separated: read, articles:write, lexicon:write")
    p.set_defaults(handler="pipeline.cli.editorial:cmd_tokens")

    p = sub.add_parser(
        "stats", help="downloads by app (IAB v2.2 rules) and web-player plays, per episode and day",
        description="Downloads counted from access logs (`stats ingest FILE...`, nginx's `newsaudio` log format, "
        "plain or gzipped; the same line twice counts once) and by `newsaudio serve`, beside the website player's "
        "plays and completions.",
    )
    p.add_argument("action", nargs="?", choices=["show", "ingest"], default="show",
                   help="show (default) the numbers, or ingest FILE... access logs")
    p.add_argument("files", nargs="*", metavar="FILE", help="with ingest: access logs (.gz too)")
    p.add_argument("--feed", help="only this feed")
    p.add_argument("--days", type=int, default=7, help="the last N days (default 7)")
    p.add_argument("--json", action="store_true", help="one JSON object per episode")
    p.set_defaults(handler="pipeline.cli.stats:cmd_stats")

    p = sub.add_parser(
        "verify", help="check an MP3's C2PA manifest: valid, altered or unsigned; who signed it; what it claims",
        description="Reads the signed provenance (C2PA) every published episode carries. Exit 0 valid, 1 altered, "
        "unsigned or invalid, 2 usage.",
    )
    p.add_argument("target", metavar="FILE|URL", help="an MP3 file or its http(s) URL")
    p.add_argument("--json", action="store_true", help="the verdict as one JSON object")
    p.add_argument("--require-trusted", action="store_true",
                   help="exit 1 also when the signer is not in c2pa_trust_anchors")
    p.set_defaults(handler="pipeline.cli.verify:cmd_verify", needs_config=False)

"""`newsaudio lexicon|users|tokens`: the console's data from a shell (first admin, CMS tokens,
the git-reviewable TOML route for the lexicon)."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from pipeline.cli.exits import EXIT_OK, UsageError
from pipeline.cli.terminal import escape, out
from pipeline.config import Settings
from pipeline.files import atomic_write
from pipeline.run.lexicon import current_lexicon, save_lexicon
from pipeline.stages.speech.lexicon import LexiconError
from pipeline.state import accounts, lexicon_versions
from pipeline.state.store import open_store


def cmd_lexicon(args: argparse.Namespace, settings: Settings) -> int:
    if args.action in ("export", "import") and not args.file:
        raise UsageError(f"lexicon {args.action} needs a FILE")
    store = open_store(settings)
    current_lexicon(settings, store)  # seeds the store on first start
    if args.action == "export":
        latest = lexicon_versions.current(store)
        if latest is None:
            raise UsageError("the store holds no lexicon yet and the seed file is not usable")
        atomic_write(Path(args.file), latest.toml.encode("utf-8"))
        out.print(f"lexicon version {latest.id} ({latest.version}) written to {escape(args.file)}")
        return EXIT_OK
    if args.action == "import":
        path = Path(args.file)
        if not path.is_file():
            raise UsageError(f"{args.file}: no such file")
        before = lexicon_versions.current(store)
        try:
            text = path.read_text(encoding="utf-8")
            message = args.message or f"import {path.name}"
            saved = save_lexicon(store, text, author=args.author, message=message)
        except LexiconError as exc:
            raise UsageError(f"{args.file}: not saved: {exc}") from exc
        accounts.audit(store, f"cli:{args.author}", "lexicon.import", path.name,
                       before.version if before else None, saved.version)
        out.print(f"saved as lexicon version {saved.id} ({saved.version})")
        return EXIT_OK
    for v in lexicon_versions.history(store):
        out.print(f"{v.id:4}  {v.version}  {v.created_at:%Y-%m-%d %H:%M}  {escape(v.author)}  {escape(v.message)}")
    return EXIT_OK


def _console_url(settings: Settings) -> str:
    """Where an editor opens the console: console_base_url (the https address behind the
    newsroom's proxy), else this machine, since the console answers plain http only on
    loopback (a LAN address in public_base_url would be refused)."""
    if settings.console_base_url:
        return settings.console_base_url.rstrip("/")
    return f"http://127.0.0.1:{settings.serve_port}"


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    if args.action == "add":
        if not args.name or not args.role:
            raise UsageError("users add needs NAME and --role editor|admin")
        password = None
        if not args.setup_link:
            password = getpass.getpass(f"password for {args.name}: ")
            if password != getpass.getpass("again: "):
                raise UsageError("the two passwords differ")
        try:
            user = accounts.add_user(store, args.name, args.role, password)
        except accounts.AccountError as exc:
            raise UsageError(str(exc)) from exc
        accounts.audit(store, "cli", "user.add", user.name, None, {"role": user.role})
        out.print(f"user {escape(user.name)} ({user.role}) created")
        if args.setup_link:
            secret = accounts.setup_link_token(store, user.name)
            out.print(f"one-time setup link (48 h): {_console_url(settings)}/console/setup/{secret}")
            if not settings.console_base_url:
                out.print("  (opens on this machine; for editors elsewhere set console_base_url to the console's "
                          "https address, see README \"The editors' console\")")
        return EXIT_OK
    for user in accounts.list_users(store):
        out.print(f"{escape(user.name)}  {user.role}{'  (disabled)' if user.disabled else ''}")
    return EXIT_OK


def cmd_tokens(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    if args.action == "add":
        if not args.name:
            raise UsageError("tokens add needs a NAME")
        try:
            scopes = accounts.parse_scopes(args.scope)
        except accounts.AccountError as exc:
            raise UsageError(str(exc)) from exc
        secret = accounts.add_token(store, args.name, scopes, created_by="cli")
        accounts.audit(store, "cli", "token.add", args.name, None, {"scopes": scopes})
        out.print(f"token {escape(args.name)} ({', '.join(scopes)}); shown once, keep it safe:")
        out.print(secret)
        return EXIT_OK
    if args.action == "revoke":
        if not (args.name or "").isdigit():
            raise UsageError(f"tokens revoke takes the token's number (see `newsaudio tokens list`), not {args.name!r}")
        token = accounts.revoke_token(store, int(args.name))
        if token is None:
            raise UsageError(f"no token with id {args.name} (see `newsaudio tokens list`)")
        accounts.audit(store, "cli", "token.revoke", token.name, None, {"id": token.id})
        out.print(f"token {token.id} ({escape(token.name)}) revoked")
        return EXIT_OK
    for t in accounts.list_tokens(store):
        state = "revoked" if t.revoked_at else "active"
        out.print(f"{t.id:4}  {escape(t.name)}  {','.join(t.scopes)}  {state}")
    return EXIT_OK

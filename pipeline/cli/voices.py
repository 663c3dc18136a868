"""`newsaudio voices`: the voice profiles (ready, or what to do), a model's download and its
ONNX export; and the check that the configured voice exists, before a command voices anything."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rich.text import Text

import voices
from pipeline.cli.exits import EXIT_OK, UsageError
from pipeline.cli.terminal import emit_json, out
from pipeline.config import Settings


def check_voice(settings: Settings) -> None:
    """An unknown voice in the config is a usage error before any work, not a failure per article."""
    voices.get_profile(settings.voice, settings)


def cmd_voices(args: argparse.Namespace, settings: Settings) -> int:
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

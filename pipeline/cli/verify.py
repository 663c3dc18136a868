"""`newsaudio verify FILE|URL`: whether an MP3 carries a valid C2PA manifest, who signed it,
whether the signer is trusted, what it claims (article, version, voice) and whether the audio
was altered since it was signed. Exit 0 valid, 1 altered or unsigned, 2 usage."""

from __future__ import annotations

import argparse
import json

import httpx

from pipeline.cli.exits import EXIT_FAILED, UsageError
from pipeline.cli.terminal import escape, out, print_plain
from pipeline.config import Settings
from pipeline.run.verify import read_target, verify


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = read_target(args.target, settings)
    except (OSError, httpx.HTTPError, ValueError) as exc:
        raise UsageError(f"cannot read {args.target}: {exc}") from exc
    verdict = verify(data, settings)
    if args.json:
        print_plain(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        for line in verdict.lines():
            out.print(escape(line))
    if args.require_trusted and verdict.valid and not verdict.trusted:
        return EXIT_FAILED
    return verdict.exit_code

"""The ``newsaudio`` command: the parser in ``parser``, exit codes in ``exits``, the entry point
and error handling in ``main``, one module per command group. The console script is ``pipeline.cli:main``."""

from pipeline.cli.main import main

__all__ = ["main"]

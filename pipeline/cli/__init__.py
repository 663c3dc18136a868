"""The ``newsaudio`` command: one module per command group, the parser and exit codes in
``main``. The console script is ``pipeline.cli:main``."""

from pipeline.cli.main import main

__all__ = ["main"]

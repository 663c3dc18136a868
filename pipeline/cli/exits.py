"""How a command ends: the exit codes, and the exceptions a command raises to choose one.

``main`` turns these (and the errors of the stages, the config, the voices and the database)
into one line on stderr and the exit code; a command module raises them and never exits itself.
"""

from __future__ import annotations

EXIT_OK = 0  # all good
EXIT_FAILED = 1  # an article or a feed failed, or no worker answered
EXIT_USAGE = 2  # usage or configuration error (bad option, unknown name, missing config, database down)
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as a shell reports it

EPILOG = """exit codes:
  0  all good
  1  an article or a feed failed (or no worker answered, with --queue)
  2  usage or configuration error: nothing was done"""


class UsageError(Exception):
    """A bad input (option, name, file): one line, exit 2, nothing was done."""


class Failed(Exception):
    """The command ran but could not finish its work (exit 1), e.g. no worker answered."""

"""The command line loads only what the chosen command needs: every handler the parser names
exists, and the parser, `--help` and the table commands never import the heavy parts."""

from __future__ import annotations

import json
import subprocess
import sys

from pipeline.cli.main import build_parser, command
from tests.conftest import REPO

# What `newsaudio status` or `--help` must not pay for: the ML stack, HTML extraction, the
# audio stages, the voices and the queue.
HEAVY = ["torch", "scipy", "numpy", "trafilatura", "celery", "kombu", "voices", "pipeline.stages.master",
         "pipeline.stages.extract", "pipeline.run.article", "workers.client", "web.serve"]


def _loaded_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_subcommand_names_a_function_that_exists():
    subs = next(a for a in build_parser()._actions if a.dest == "command").choices
    for name, sub in subs.items():
        handler = sub.get_default("handler")
        assert handler and callable(command(handler)), f"{name}: {handler!r} is not a function"


def test_parser_and_table_commands_load_nothing_heavy():
    loaded = _loaded_after(
        "from pipeline.cli.main import build_parser, command\n"
        "build_parser().parse_args(['status'])\n"
        "command('pipeline.cli.articles:cmd_status')\n"
        "command('pipeline.cli.editorial:cmd_tokens')"
    )
    assert loaded == []

"""The web process stays small: serving files and an editor's daily pages (articles, failures,
pronunciations, history) load neither the audio stages nor extraction, the voices or the German
speech rules. Those load with the first page that needs them (an article's spoken text, a
preview), not with the app."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ["scipy", "numpy", "torch", "onnxruntime", "trafilatura", "num2words", "celery", "boto3",
         "pipeline.stages.master", "pipeline.stages.extract", "pipeline.stages.speech.normalize",
         "pipeline.run.article", "voices.engines"]

PROBE = """
import json, re, sys
from pathlib import Path
import httpx
from pipeline.config import load_settings
from pipeline.state import accounts
from pipeline.state.store import open_store
from tests.support.webapp import serve_app

folder = Path(sys.argv[1])
(folder / "newsaudio.toml").write_text('output_dir = "output"\\ndata_dir = "data"\\n', encoding="utf-8")
settings = load_settings(folder / "newsaudio.toml", env={})
accounts.add_user(open_store(settings), "ada", "admin", "ein langes Passwort")
with serve_app(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
    at_start = sorted(m for m in HEAVY if m in sys.modules)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text).group(1)
    assert client.post("/console/login", data={"name": "ada", "password": "ein langes Passwort",
                                               "csrf": csrf}).status_code == 303
    for path in ("/console/articles", "/console/failures", "/console/lexicon", "/console/lexicon/history",
                 "/console/admin/audit", "/feeds/none.xml"):
        assert client.get(path).status_code in (200, 404), path
    after_pages = sorted(m for m in HEAVY if m in sys.modules)
print(json.dumps({"at_start": at_start, "after_pages": after_pages}))
"""


def test_the_console_daily_pages_load_nothing_heavy(tmp_path):
    code = f"HEAVY = {HEAVY!r}\n" + PROBE
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {"at_start": [], "after_pages": []}

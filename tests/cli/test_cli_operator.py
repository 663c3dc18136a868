"""The command line as an operator meets it: each subcommand run as a process, with real files
in a temp folder, outside a terminal (as under cron or CI). Pins help texts, exit codes, one-line
errors for bad input, progress lines, parseable --json, and titles printed as written."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cli.main import build_parser
from pipeline.run.sample_site import serve_site
from pipeline.state.articles import list_articles
from tests.conftest import REPO

# A title full of things rich would read as markup: it must come out as written.
MARKUP_TITLE = "Streit um [/x] und [bold]Klammern[/bold] im Landtag"
BODY = (
    "Der Landtag in Potsdam hat am Dienstag lange über den neuen Haushalt gestritten. "
    "Die Opposition warf der Regierung vor, bei Schulen und Krankenhäusern zu sparen. "
    "Der Finanzminister verteidigte die Pläne und verwies auf die hohen Zinsen."
)


def _page(title: str) -> str:
    paragraphs = "".join(f"<p>{BODY} Absatz {i}.</p>" for i in range(1, 4))
    return (
        f"<html lang='de'><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )


def make_site(root: Path, titles: list[str], missing: bool = True) -> Path:
    """A tiny news site: one page per title, plus (when ``missing``) an entry whose page is gone."""
    (root / "articles").mkdir(parents=True)
    items = []
    for i, title in enumerate(titles):
        (root / "articles" / f"a{i}.html").write_text(_page(title), encoding="utf-8")
        items.append((title, f"articles/a{i}.html", f"guid-{i}"))
    if missing:
        items.append(("Diese Seite gibt es nicht mehr", "articles/weg.html", "guid-weg"))
    escape = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    body = "".join(
        f"<item><title>{''.join(escape.get(c, c) for c in t)}</title><link>{link}</link>"
        f"<guid isPermaLink='false'>{guid}</guid></item>"
        for t, link, guid in items
    )
    (root / "feed.xml").write_text(
        f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Test</title>"
        f"<link>http://example.de/</link><description>t</description>{body}</channel></rss>",
        encoding="utf-8",
    )
    return root


def write_config(folder: Path, feed_url: str, *, voice: str = "espeak-de", extra: str = "") -> Path:
    (folder / "lexicon.toml").write_text("", encoding="utf-8")  # tests own their lexicon
    config = folder / "newsaudio.toml"
    config.write_text(
        f"""output_dir = "output"
data_dir = "data"
lexicon = "lexicon.toml"
allow_private_addresses = true
timeout_s = 5
voice = "{voice}"
{extra}
[[feeds]]
name = "lokal"
url = "{feed_url}"
title = "Lokales"
""",
        encoding="utf-8",
    )
    return config


def newsaudio(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, outside a terminal, with none of the caller's settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSAUDIO_")}
    base.update({"PYTHONPATH": str(REPO), "COLUMNS": "80", "TTS_HOME": str(cwd / "tts")})
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, env={**base, **(env or {})},
        input=stdin, capture_output=True, text=True, timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    with serve_site(make_site(tmp_path / "site", [MARKUP_TITLE])) as base:
        yield f"{base}/feed.xml"


@pytest.fixture
def workdir(tmp_path: Path, site: str) -> Path:
    folder = tmp_path / "newsroom"
    folder.mkdir()
    write_config(folder, site)
    return folder


# -- help ------------------------------------------------------------------------------------


def _subparsers(parser):
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_every_subcommand_and_option_explains_itself():
    subs = _subparsers(build_parser())
    assert {"run", "demo", "extract", "normalize", "say", "status", "regenerate", "voices"} <= set(subs)
    for name, sub in subs.items():
        assert sub.description, f"{name} --help has no description"
        for action in sub._actions:
            assert action.help, f"{name}: {action.option_strings or action.dest} has no help text"


def test_help_as_a_user_sees_it(tmp_path):
    result = newsaudio("say", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Speak any German text" in result.stdout
    assert "the MP3 to write" in result.stdout and "voice profile" in result.stdout
    top = newsaudio("--help", cwd=tmp_path).stdout
    assert "exit codes" in top and "2  usage or configuration error" in top


def test_readme_command_table_matches_help():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    lines = re.findall(r"^newsaudio ([a-z-]+)(.*)$", section, flags=re.M)
    subs = _subparsers(build_parser())
    assert {name for name, _ in lines} == set(subs), "README's command table and --help differ"
    for name, rest in lines:
        options = {o for a in subs[name]._actions for o in a.option_strings}
        for option in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", rest):
            assert option in options, f"README: newsaudio {name} {option} is not in its --help"
    codes = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in codes


# -- bad input: one line, the right exit code, nothing created -------------------------------


def test_no_config_in_this_folder_is_an_error_and_creates_nothing(tmp_path):
    result = newsaudio("status", cwd=tmp_path)
    assert_one_line_error(result, 2, "no newsaudio.toml", "--config")
    assert list(tmp_path.iterdir()) == []


def test_unreadable_and_broken_config(tmp_path):
    bad = tmp_path / "newsaudio.toml"
    bad.write_text("feeds = [", encoding="utf-8")
    assert_one_line_error(newsaudio("status", cwd=tmp_path), 2, "not valid TOML")
    assert_one_line_error(newsaudio("--config", str(tmp_path), "status", cwd=tmp_path), 2, "cannot be read")
    assert_one_line_error(newsaudio("-c", str(tmp_path / "nope.toml"), "run", cwd=tmp_path), 2, "does not exist")
    if os.geteuid() != 0:  # root reads anything
        bad.write_text("", encoding="utf-8")
        bad.chmod(0)
        assert_one_line_error(newsaudio("status", cwd=tmp_path), 2, "cannot be read", "permissions")


def test_unknown_names_are_usage_errors(workdir):
    # --config after the command works as well as before it
    config = str(workdir / "newsaudio.toml")
    result = newsaudio("status", "--feed", "nope", "-c", config, cwd=workdir.parent)
    assert_one_line_error(result, 2, "no feed named 'nope'", "lokal")
    assert_one_line_error(newsaudio("run", "--feed", "nope", cwd=workdir), 2, "no feed named 'nope'")
    result = newsaudio("say", "Hallo.", "-o", str(workdir / "x.mp3"), "--voice", "nope", cwd=workdir)
    assert_one_line_error(result, 2, "no voice profile named 'nope'")
    result = newsaudio("run", cwd=workdir, env={"NEWSAUDIO_VOICE": "nope"})  # before any work, not per article
    assert_one_line_error(result, 2, "no voice profile named 'nope'")
    assert not (workdir / "output").exists()
    assert_one_line_error(newsaudio("regenerate", "ffffffff", cwd=workdir), 2, "see `newsaudio status`")
    assert_one_line_error(newsaudio("--log-format", "text", "voices", "fetch", cwd=workdir), 2, "needs a profile NAME")


def test_say_into_a_missing_folder_is_refused_before_any_work(tmp_path):
    target = tmp_path / "nicht" / "da" / "gruss.mp3"
    result = newsaudio("say", "Guten Abend.", "-o", str(target), "--voice", "espeak-de", cwd=tmp_path)
    assert_one_line_error(result, 2, "does not exist")
    assert not target.parent.exists()


def test_database_that_does_not_answer(workdir):
    url = f"postgresql+psycopg://newsaudio:geheim@127.0.0.1:{closed_port()}/newsaudio"
    result = newsaudio("status", cwd=workdir, env={"NEWSAUDIO_DATABASE_URL": url})
    assert_one_line_error(result, 2, "does not answer", "NEWSAUDIO_DATABASE_URL")
    assert "geheim" not in result.stderr  # the password is not printed
    result = newsaudio("run", cwd=workdir, env={"NEWSAUDIO_DATABASE_URL": "kein-url"})
    assert_one_line_error(result, 2, "database")


def test_errors_as_json_logs(tmp_path):
    result = newsaudio("status", cwd=tmp_path, env={"NEWSAUDIO_LOG_FORMAT": "json"})
    assert result.returncode == 2
    assert json.loads(result.stderr)["message"].startswith("no newsaudio.toml")


# -- run -------------------------------------------------------------------------------------


LONG_TITLE = "Bundesregierung beschließt nach langer Debatte ein umfangreiches Paket für Schulen und Kitas"


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    """A newsroom folder after one `newsaudio run` outside a terminal: two articles voiced (one
    with a markup-like title, one with a long title), one missing page. Voiced once for the module."""
    root = tmp_path_factory.mktemp("newsroom")
    with serve_site(make_site(root / "site", [MARKUP_TITLE, LONG_TITLE])) as base:
        folder = root / "n"
        folder.mkdir()
        write_config(folder, f"{base}/feed.xml")
        yield folder, newsaudio("run", cwd=folder)


def test_run_outside_a_terminal_logs_each_article_and_stage(newsroom):
    _, result = newsroom
    assert result.returncode == 1, result.stderr  # the missing page failed
    assert "Traceback" not in result.stderr
    progress = [line for line in result.stderr.splitlines() if "newsaudio.progress" in line]
    # one line per stage of each voiced article, naming it, with its position in the feed
    # (newest first: the position is where the article stands in this run, whichever it is)
    positions = set()
    for stage in ("fetch", "extract", "speech", "synthesis", "master", "publish"):
        pattern = re.compile(r"\[(\d)/3\] [0-9a-f]{8} " + stage + r"( \(.*\))?: " + re.escape(MARKUP_TITLE) + "$")
        found = [m.group(1) for line in progress if (m := pattern.search(line))]
        assert found, stage
        positions.update(found)
    assert len(positions) == 1  # one article, one position, through all its stages
    synthesis_at = {m.group(1) for line in progress if (m := re.search(r"\[(\d)/3\] [0-9a-f]{8} synthesis", line))}
    assert len(synthesis_at) == 2  # both real articles were voiced
    assert any(re.search(r"\[\d/3\] [0-9a-f]{8} failed \(http-404", line) for line in progress)
    # the markup-like title printed as written in the summary table
    assert "[/x]" in result.stdout and "[bold]Klammern[/bold]" in result.stdout
    assert "2 done, 0 unchanged, 0 skipped, 1 failed" in result.stdout


def test_status_fits_80_columns_with_titles_cut_at_a_word(newsroom):
    folder, _ = newsroom
    status = newsaudio("status", cwd=folder)
    assert status.returncode == 0
    lines = status.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), status.stdout
    done = [line for line in lines if " done " in line]
    assert len(done) == 2 and all(re.match(r"^[0-9a-f]{8}  done", line) for line in done)
    markup = next(line for line in done if "[/x]" in line)  # escaped, not swallowed
    assert "[bold]Klammern" in markup
    long = next(line for line in done if "Bundesregierung" in line)
    assert long.endswith("…")
    shown = long.split("  ")[-1].rstrip("…")
    assert LONG_TITLE.startswith(shown) and LONG_TITLE[len(shown)] == " ", shown  # cut before a space
    assert "http-404" in next(line for line in lines if " failed " in line)


def test_second_run_json_lines_parse_and_say_nothing_is_up_to_date_while_a_page_fails(newsroom):
    folder, _ = newsroom
    second = newsaudio("run", "--json", cwd=folder)
    events = [json.loads(line) for line in second.stdout.splitlines()]
    assert {e["event"] for e in events} >= {"poll", "polled", "stage", "article", "summary"}
    summary = events[-1]
    assert summary["event"] == "summary" and summary["done"] == 0 and summary["failed"] == 1
    assert summary["exit"] == 1 and second.returncode == 1  # the missing page is still missing (retried)
    human = newsaudio("run", cwd=folder)
    assert "Synthesised nothing." in human.stdout
    assert "up to date" not in human.stdout  # not while something failed


def test_synthesis_reports_each_spoken_segment(newsroom, tmp_path):
    from pipeline.config import load_settings
    from pipeline.run.article import render_article
    from pipeline.run.events import reporting_stages
    from pipeline.state.store import open_store

    folder, _ = newsroom
    settings = load_settings(folder / "newsaudio.toml", env={})
    settings.cache_dir = tmp_path / "cache"  # nothing cached: every segment is spoken
    article_id = next(r.id for r in list_articles(open_store(settings)) if r.title == MARKUP_TITLE)
    seen: list[tuple[str, str]] = []
    with reporting_stages(lambda _id, _title, stage, detail: seen.append((stage, detail))):
        outcome = render_article(article_id, settings, force=True)
    counts = [d for stage, d in seen if stage == "synthesis" and "spoken" in d]
    total = re.search(r"(\d+) segments", next(d for stage, d in seen if stage == "synthesis")).group(1)
    assert counts == [f"{n}/{total} segments spoken" for n in range(1, outcome.synthesised + 1)]
    assert [stage for stage, _ in seen][-2:] == ["master", "publish"]


def test_regenerate_force_voices_an_unchanged_article_again(newsroom):
    folder, _ = newsroom
    rows = [json.loads(line) for line in newsaudio("status", "--json", cwd=folder).stdout.splitlines()]
    row = next(r for r in rows if r["title"] == MARKUP_TITLE)
    short = row["id"][:8]
    plain = newsaudio("regenerate", short, cwd=folder)
    assert plain.returncode == 0 and "unchanged" in plain.stdout
    forced = newsaudio("regenerate", short, "--force", cwd=folder)
    assert forced.returncode == 0, forced.stderr
    assert re.search(r"done\s+" + short + rf" v{row['version'] + 1}", forced.stdout)


def test_run_while_the_source_is_down(tmp_path):
    folder = tmp_path / "n"
    folder.mkdir()
    write_config(folder, f"http://127.0.0.1:{closed_port()}/feed.xml")
    result = newsaudio("run", cwd=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error_lines = [line for line in (result.stderr + result.stdout).splitlines() if "ERROR" in line]
    assert len(error_lines) == 1, result.stderr  # the feed error, once
    assert "up to date" not in result.stdout
    assert "the poll failed" in result.stdout
    # the same as JSON logs: every line on stderr an object, the feed error once
    logs = newsaudio("run", cwd=folder, env={"NEWSAUDIO_LOG_FORMAT": "json"})
    assert logs.returncode == 1
    records = [json.loads(line) for line in logs.stderr.splitlines()]
    assert [r["level"] for r in records].count("error") == 1
    assert any(r.get("event") == "polled" and r["error"] for r in records)


def test_fallback_voice_warning_once_and_on_its_own_line(workdir):
    write_config(workdir, "http://127.0.0.1:1/feed.xml", voice="default")
    result = newsaudio("say", "Guten Abend.", "-o", str(workdir / "gruss.mp3"), cwd=workdir)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "VOICE FALLBACK" in line]
    assert len(warnings) == 1 and warnings[0].split()[2] == "WARNING", result.stderr
    assert "fallback" in result.stdout


# -- stages ----------------------------------------------------------------------------------


def test_extract_prints_markup_like_text_as_written(tmp_path):
    page = tmp_path / "seite.html"
    page.write_text(_page(MARKUP_TITLE), encoding="utf-8")
    text = newsaudio("extract", str(page), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0] == MARKUP_TITLE
    as_json = newsaudio("extract", str(page), "--json", cwd=tmp_path)
    assert json.loads(as_json.stdout)["title"] == MARKUP_TITLE
    assert_one_line_error(newsaudio("extract", str(tmp_path / "fehlt.html"), cwd=tmp_path), 2, "no such file")


def test_voices_json(tmp_path):
    result = newsaudio("voices", "--json", cwd=tmp_path)
    assert result.returncode == 0
    rows = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["espeak-de"]["ready"] is True


# -- run --queue -----------------------------------------------------------------------------

BROKER = os.environ.get("NEWSAUDIO_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")


@pytest.mark.redis
def test_run_queue_without_workers_says_so_and_exits_1(workdir):
    import redis

    redis.Redis.from_url(BROKER).flushdb()  # this database number belongs to the tests
    result = newsaudio("run", "--queue", "--worker-timeout", "1", cwd=workdir, env={"NEWSAUDIO_BROKER_URL": BROKER})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "no worker is consuming queue" in errors[0] and "make worker" in errors[0]
    assert "asking the workers" in result.stderr  # it said what it waited for


def test_run_queue_with_the_broker_down_is_one_line(workdir):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    result = newsaudio("run", "--queue", "--worker-timeout", "1", cwd=workdir, env={"NEWSAUDIO_BROKER_URL": url})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error: ")] == [
        line for line in result.stderr.splitlines() if "does not answer" in line
    ]


@pytest.mark.redis
def test_run_queue_reports_the_workers_progress(workdir, tmp_path):
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSAUDIO_")}
    env.update({"NEWSAUDIO_CONFIG": str(workdir / "newsaudio.toml"), "NEWSAUDIO_BROKER_URL": BROKER,
                "PYTHONPATH": str(REPO)})
    logs = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "default,synth", "--concurrency", "1",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
        cwd=workdir, env=env, stdout=logs, stderr=subprocess.STDOUT,
    )
    try:
        result = newsaudio("run", "--queue", "--json", "--worker-timeout", "60", "--timeout", "300", cwd=workdir,
                           env={"NEWSAUDIO_BROKER_URL": BROKER}, timeout=400)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        logs.close()
    assert "Traceback" not in result.stderr, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    notes = [e for e in events if e["event"] == "note" and "queued" in e]
    assert notes and all(set(e["queued"]) == {"default", "synth"} for e in notes)
    articles = {e["title"]: e["status"] for e in events if e["event"] == "article"}
    assert articles == {MARKUP_TITLE: "done", "Diese Seite gibt es nicht mehr": "failed"}
    assert events[-1]["event"] == "summary" and events[-1]["exit"] == 1 and result.returncode == 1


def test_on_a_terminal_a_bar_names_article_and_stage_and_warnings_stand_apart(workdir):
    import pty
    import select

    config = workdir / "newsaudio.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('"espeak-de"', '"default"'), encoding="utf-8")
    master, slave = pty.openpty()
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSAUDIO_")}
    base.update({"PYTHONPATH": str(REPO), "COLUMNS": "120", "TERM": "xterm", "TTS_HOME": str(workdir / "tts")})
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run"], cwd=workdir, env=base,
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=60) == 1
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    assert "Traceback" not in screen
    assert re.search(r"lokal · synthesis \(\d+/\d+ segments spoken\) · Streit um \[/x\] und", screen), screen
    assert "lokal · master · Streit um [/x] und [bold]Klammern[/bold] im Landtag" in screen
    # the fallback warning once, at the start of its own line, not after the bar
    lines = [line.strip("\r") for line in re.split(r"[\r\n]+", screen)]
    warnings = [line for line in lines if "VOICE FALLBACK" in line]
    assert len(warnings) == 1 and warnings[0].startswith("WARNING"), warnings

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from mutagen.mp3 import MP3

from pipeline.cli.main import main
from tests.conftest import REPO

SEED = REPO / "sample/site/articles/politik-russland-iran-militaerabkommen.html"
NEWSAUDIO = Path(sys.executable).parent / "newsaudio"


def test_extract_prints_title_lead_and_blocks_separated_by_blank_lines(capsys, settings):
    assert main(["extract", str(SEED)], settings=settings) == 0
    parts = capsys.readouterr().out.strip().split("\n\n")
    assert parts[0] == "Nachschub für die Front? ISW: Russland und Iran planen großes Militärabkommen"
    assert parts[1].startswith("Die Bande zwischen Moskau und Teheran werden immer enger. Vor allem")
    assert parts[2].startswith("Russland und der Iran bereiten sich")
    assert len(parts) == 6


def test_extract_json_is_the_article(capsys, settings):
    assert main(["extract", str(SEED), "--json"], settings=settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kicker"] == "Nachschub für die Front?"
    assert data["title"] == "ISW: Russland und Iran planen großes Militärabkommen"
    assert [b["kind"] for b in data["blocks"]] == ["paragraph"] * 4
    assert data["language"].startswith("de")


def test_extract_many_reads_a_directory_in_one_process(tmp_path, capsys, settings):
    for name in ("a.html", "b.html"):
        shutil.copy(SEED, tmp_path / name)
    (tmp_path / "leer.html").write_text("<html><body></body></html>", encoding="utf-8")
    assert main(["extract", "--many", "--json", str(tmp_path)], settings=settings) == 1  # one page had no text
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [Path(d["source"]).name for d in lines] == ["a.html", "b.html"]
    assert "leer.html" in captured.err


def test_normalize_reads_stdin_and_writes_segments():
    result = subprocess.run(
        [str(NEWSAUDIO), "normalize"], input="Am 17. Juni 2024 kamen 3.400 Menschen. Es war 20 Uhr.",
        capture_output=True, text=True, cwd=REPO, check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "siebzehnten Juni zweitausend vierund zwanzig" in lines[0]
    assert "dreitausend vierhundert" in lines[0]
    assert not any(ch.isdigit() for ch in result.stdout)


def test_say_writes_a_tagged_mp3(tmp_path, capsys, settings):
    out = tmp_path / "gruss.mp3"
    assert main(["say", "Guten Abend. Hier sind die Nachrichten.", "-o", str(out), "--voice", "espeak-de"],
                settings=settings) == 0
    info = MP3(out).info
    assert info.sample_rate == 44100 and 1.5 < info.length < 10
    assert "espeak" in capsys.readouterr().out


def test_run_summary_then_status(small_sample_settings, capsys):
    settings = small_sample_settings
    assert main(["run"], settings=settings) == 1  # the sample's missing page fails the run
    out = capsys.readouterr().out
    assert "1 done, 0 unchanged, 0 skipped, 1 failed" in out
    assert "http-404 x1" in out
    assert "1 episodes" in out and "minutes of audio" in out
    assert str(settings.feeds_dir / "sample.xml") in out
    assert main(["status"], settings=settings) == 0
    out = capsys.readouterr().out
    assert out.count(" done ") == 1 and "v1" in out
    assert "http-404" in out
    main(["run"], settings=settings)
    assert "Synthesised nothing" in capsys.readouterr().out


def test_voices_lists_one_line_per_profile(capsys, settings):
    assert main(["voices"], settings=settings) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    by_name = {line.split()[0]: line for line in lines}
    assert by_name["espeak-de"].split(None, 1)[1] == "ready"
    assert by_name["default"].split(None, 1)[1].startswith("not ready: ")


def test_errors_are_one_line_that_says_what_to_do(tmp_path):
    result = subprocess.run(
        [str(NEWSAUDIO), "--config", str(tmp_path / "missing.toml"), "status"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "does not exist" in result.stderr and "NEWSAUDIO_CONFIG" in result.stderr


def test_offline_voice_fetch_is_one_clear_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TTS_HOME": str(tmp_path / "tts"), "HOME": str(tmp_path)}
    result = subprocess.run([str(NEWSAUDIO), "voices", "fetch", "default"], capture_output=True, text=True,
                            cwd=REPO, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "offline" in result.stderr and "TTS_HOME" in result.stderr

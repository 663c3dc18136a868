"""The lexicon lives in the store: seeded once, versioned, validated, exported and imported."""

from __future__ import annotations

import io

import pytest

from pipeline.cli.main import main
from pipeline.run.lexicon import current_lexicon, lexicon_at, lexicon_changes_touching, save_lexicon
from pipeline.stages.speech.lexicon import LexiconError, parse_lexicon
from pipeline.stages.speech.lexicon_toml import make_entry, validate, with_entries
from pipeline.state import lexicon_versions
from pipeline.state.store import open_store
from tests.conftest import FIXTURES

GOOD = '[[entry]]\nmatch = "Schoigu"\nsay = "Schoj-gu"\n'


def test_the_seed_file_becomes_version_one_and_later_file_edits_do_not_count(settings, tmp_path):
    seed = tmp_path / "seed.toml"
    seed.write_text(GOOD, encoding="utf-8")
    settings.lexicon = seed
    lexicon = current_lexicon(settings)
    assert [e.say for e in lexicon.entries] == ["Schoj-gu"]
    seed.write_text('[[entry]]\nmatch = "Schoigu"\nsay = "anders"\n', encoding="utf-8")
    assert current_lexicon(settings).version == lexicon.version  # the store is the truth now
    (first,) = lexicon_versions.history(open_store(settings))
    assert first.author == "setup" and "seed.toml" in first.message


def test_a_save_is_seen_by_every_reader_at_once_and_old_versions_stay_comparable(settings):
    store = open_store(settings)
    old = current_lexicon(settings)
    text = lexicon_versions.current(store).toml.replace('say = "Schojgu"', 'say = "Schoi-gu"')
    saved = save_lexicon(store, text, author="anna", message="Schoigu klarer")
    assert current_lexicon(settings).version == saved.version != old.version
    assert lexicon_at(settings, old.version).version == old.version
    assert lexicon_changes_touching(settings, old.version, "Schoigu sagte") == ["Schoigu"]
    assert [v.author for v in lexicon_versions.history(store)] == ["anna", "setup"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[[entry]]\nmatch = "ok"\nsay = "o-k"\n[[entry]]\nmatch = "Kreml"\n', "'Kreml'"),
        ('[[entry]]\nmatch = "Putin"\ntype = "sing"\nsay = "x"\n', "'Putin'"),
        ('[[entry]]\nmatch = "Putin"\nsai = "x"\n', "'Putin'"),
        ('[[entry]\nmatch = "Putin"\n', "not valid TOML"),
    ],
)
def test_an_invalid_lexicon_is_never_saved_and_the_error_names_the_entry(settings, text, named):
    store = open_store(settings)
    before = current_lexicon(settings).version
    with pytest.raises(LexiconError, match=named):
        save_lexicon(store, text, author="anna", message="kaputt")
    assert current_lexicon(settings).version == before
    assert len(lexicon_versions.history(store)) == 1


def test_export_and_import_round_trip_and_a_broken_import_is_one_line(settings, tmp_path, capsys):
    out = tmp_path / "export.toml"
    assert main(["lexicon", "export", str(out)], settings=settings) == 0
    assert out.read_text(encoding="utf-8") == (FIXTURES / "lexicon.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text('[[entry]]\nmatch = "Kreml"\ntype = "substitute"\n', encoding="utf-8")
    assert main(["lexicon", "import", str(broken)], settings=settings) == 2
    err = capsys.readouterr().err
    assert "Kreml" in err and "Traceback" not in err
    good = tmp_path / "good.toml"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["lexicon", "import", str(good), "-m", "nur Schoigu"], settings=settings) == 0
    assert [e.match for e in current_lexicon(settings).entries] == ["Schoigu"]


def test_a_broken_seed_fails_neither_a_run_nor_normalize(settings, tmp_path, capsys, monkeypatch):
    seed = tmp_path / "seed.toml"
    seed.write_text('[[entry]]\nmatch = "Kreml"\n', encoding="utf-8")  # substitute without say
    settings.lexicon = seed
    assert len(current_lexicon(settings)) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Der Kreml und die ISW.\n"))
    assert main(["normalize"], settings=settings) == 0
    assert "Kreml" in capsys.readouterr().out
    assert main(["regenerate", "--lexicon", "--dry-run"], settings=settings) == 0


def test_entries_as_data_keep_the_header_and_validate(settings):
    store = open_store(settings)
    current_lexicon(settings)  # first start: seeds the store
    current = lexicon_versions.current(store)
    entries = list(parse_lexicon(current.toml).entries)
    entries.append(make_entry({"match": "Kyjiw", "say": "Kiew", "note": 'sagt "man"'}))
    text = with_entries(current.toml, entries)
    assert text.startswith("# newsaudio pronunciation lexicon")
    assert validate(text).version == validate(text).version
    assert [e.match for e in validate(text).entries] == [e.match for e in entries]
    with pytest.raises(LexiconError, match="'Kyjiw'"):
        make_entry({"match": "Kyjiw", "kind": "substitute"})

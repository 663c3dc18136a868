"""A render keeps its speech on disk until it is mastered: same audio, bounded memory."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import Script, Segment
from pipeline.stages.master import Tags, master
from voices import load_voice, speak
from voices.spool import Spool


@pytest.fixture(scope="module")
def espeak(tmp_path_factory):
    return load_voice("espeak-de", Settings(data_dir=tmp_path_factory.mktemp("data")))


def script_with_a_repeat() -> Script:
    said = ["Guten Morgen.", "Die Regierung tagt heute in Berlin.", "", "Guten Morgen.", "Ende der Meldung."]
    return Script([Segment(t, "paragraph", 300, block=i) for i, t in enumerate(said)], "lex", "de")


def test_speech_spooled_to_disk_is_the_speech_held_in_memory(espeak, tmp_path):
    in_memory, stats = speak(script_with_a_repeat(), espeak)
    with Spool(tmp_path) as spool:
        spooled, spool_stats = speak(script_with_a_repeat(), espeak, into=spool)
        assert len(spooled) == len(in_memory) == 5
        for a, b in zip(in_memory, spooled, strict=True):
            np.testing.assert_array_equal(a, b)
        assert spooled[2].size == 0
        assert spool.sizes() == [p.size for p in in_memory]  # known without reading the file
        assert (spool_stats.synthesised, spool_stats.cached) == (stats.synthesised, stats.cached) == (3, 1)
        # the repeated sentence is stored once
        assert spool._end == 4 * sum(p.size for i, p in enumerate(in_memory) if i != 3)
        with pytest.raises(IndexError):
            spooled[5]
        assert [p.size for p in spooled[1:3]] == [in_memory[1].size, 0]
    # an unlinked file: nothing stays in the folder, even while it is open
    assert list(tmp_path.iterdir()) == []


def test_mastering_from_the_spool_gives_the_same_mp3(espeak, tmp_path):
    script = script_with_a_repeat()
    pcm, _ = speak(script, espeak)
    with Spool(tmp_path) as spool:
        spooled, _ = speak(script, espeak, into=spool)
        from_disk = master(script.segments, spooled, espeak.sample_rate, Tags("t", "a", "b"))
    from_memory = master(script.segments, pcm, espeak.sample_rate, Tags("t", "a", "b"))
    assert from_disk.mp3 == from_memory.mp3 and from_disk.spans == from_memory.spans

from __future__ import annotations

import io

import numpy as np
import pyloudnorm
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from pipeline.models import Segment
from pipeline.stages.master import Tags, decode_mp3, master, true_peak_db

SR = 22050


def speechlike(seconds: float, level: float, seed: int = 0) -> np.ndarray:
    """Noise bursts shaped like syllables, with a few hot peaks: a stand-in for a loud voice."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 2
    x = rng.normal(0, level, t.size) * envelope
    x[:: SR // 2] = 0.99
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def mastered():
    segments = [
        Segment("Titel", "title", 900),
        Segment("Satz eins.", "paragraph", 250),
        Segment("Satz zwei.", "paragraph", 700),
        Segment("Zwischenüberschrift", "heading", 700),
        Segment("Satz drei.", "paragraph", 0),
    ]
    pcm = [speechlike(1.5, 0.3, i) for i in range(len(segments))]
    tags = Tags("ISW: Russland und Iran", "ntv.de", "ntv Politik", "https://www.n-tv.de/a.html")
    return master(segments, pcm, SR, tags), pcm


def test_loudness_and_true_peak_of_the_decoded_mp3(mastered):
    result, _ = mastered
    audio, rate = decode_mp3(result.mp3)
    assert rate == 44100
    assert pyloudnorm.Meter(rate).integrated_loudness(audio) == pytest.approx(-16.0, abs=1.0)
    assert true_peak_db(audio) <= -1.0


def test_quiet_voice_is_raised_to_the_target(mastered):
    quiet = [speechlike(2.0, 0.01, 7)]
    result = master([Segment("leise", "paragraph", 0)], quiet, SR, Tags("t", "a", "b"))
    audio, rate = decode_mp3(result.mp3)
    assert pyloudnorm.Meter(rate).integrated_loudness(audio) == pytest.approx(-16.0, abs=1.0)


def test_cbr_mp3_44k_mono_96k(mastered):
    info = MP3(io.BytesIO(mastered[0].mp3)).info
    assert (info.sample_rate, info.channels, info.bitrate) == (44100, 1, 96000)
    assert info.bitrate_mode == BitrateMode.CBR


def test_id3_tags_carry_title_site_feed_and_article_url(mastered):
    tags = ID3(io.BytesIO(mastered[0].mp3))
    assert str(tags["TIT2"]) == "ISW: Russland und Iran"
    assert str(tags["TPE1"]) == "ntv.de"
    assert str(tags["TALB"]) == "ntv Politik"
    assert tags["WXXX:Article"].url == "https://www.n-tv.de/a.html"
    assert [str(tags[k].sub_frames["TIT2"]) for k in sorted(k for k in tags.keys() if k.startswith("CHAP"))] == [
        "Titel",
        "Zwischenüberschrift",
    ]


def test_duration_includes_the_pauses(mastered):
    result, pcm = mastered
    speech = sum(len(p) for p in pcm) / SR
    pauses = (900 + 250 + 700 + 700) / 1000
    assert result.duration_s == pytest.approx(speech + pauses, abs=0.1)


def test_pause_after_title_is_longer_than_between_sentences(mastered):
    result, pcm = mastered
    audio, rate = decode_mp3(result.mp3)
    frame = rate // 100  # 10 ms
    energy = np.array([np.abs(audio[i : i + frame]).max() for i in range(0, len(audio) - frame, frame)])
    silent = energy < 1e-3
    runs: list[int] = []
    count = 0
    for s in silent:
        if s:
            count += 1
        elif count:
            runs.append(count)
            count = 0
    long_runs = sorted(r * 10 for r in runs if r * 10 >= 200)
    # the envelope itself has short gaps; the mastered pauses stand out as the long ones
    assert max(long_runs) >= 850
    assert any(200 <= r < 500 for r in long_runs)


def test_spans_say_where_each_segment_is_heard_and_chapters_carry_written_headings():
    segments = [
        Segment("Ih-Ess-Weh: Russland", "title", 900, block=0, written="ISW: Russland"),
        Segment("und Iran.", "title", 900, block=0, written="und Iran."),
        Segment("Satz eins.", "paragraph", 250, block=1),
        Segment("Zwischenüberschrift", "heading", 700, block=2),
        Segment("Satz zwei.", "paragraph", 0, block=3),
    ]
    pcm = [speechlike(1.0, 0.3, i) for i in range(len(segments))]
    result = master(segments, pcm, SR, Tags("t", "a", "b"))
    starts = [s.start_ms for s in result.spans]
    assert len(result.spans) == len(segments)
    assert starts == sorted(starts) and all(s.end_ms - s.start_ms == 1000 for s in result.spans)
    assert starts[1] - starts[0] == 1900  # a second of speech, then the 900 ms pause after it
    assert result.spans[-1].end_ms <= result.duration_s * 1000 + 100
    # One chapter for the two-sentence headline, titled as written, and one for the heading.
    assert [(c.title, c.start_ms) for c in result.chapters] == [
        ("ISW: Russland und Iran.", 0),
        ("Zwischenüberschrift", starts[3]),
    ]

"""Same text, same samples: a segment's audio does not depend on what the process spoke before,
so the sentence cache, the embedded run and a distributed worker agree byte for byte."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from tests.conftest import REPO
from voices.engines import espeak_ng

FIRST = "Der Stadtrat hat am Dienstag über den neuen Haushalt beraten! Wirklich?"
SEGMENT = "Die Opposition kritisierte vor allem die geplanten Kürzungen bei den Bibliotheken."

FRESH = f"""
import hashlib
from voices.engines import espeak_ng
print(hashlib.sha256(espeak_ng.synthesize({SEGMENT!r}, "de", 175, 50).tobytes()).hexdigest())
"""


def digest(text: str, rate: int = 175, pitch: int = 50) -> str:
    return hashlib.sha256(espeak_ng.synthesize(text, "de", rate, pitch).tobytes()).hexdigest()


def test_a_segment_sounds_the_same_after_other_speech_as_in_a_fresh_process():
    fresh = subprocess.run([sys.executable, "-c", FRESH], cwd=REPO, capture_output=True, text=True, check=True)
    # This process speaks other things first, at other rates and pitches, and the segment twice.
    digest(FIRST, 160, 45)
    digest(FIRST + " Und dann noch 1234 Euro.", 190, 60)
    first = digest(SEGMENT)
    again = digest(SEGMENT)
    assert first == again == fresh.stdout.strip()


def test_phoneme_input_after_plain_text_is_stable():
    marked = "Die " + espeak_ng.phoneme_input("xa'me:nEI") + " kam."
    a = hashlib.sha256(espeak_ng.synthesize(marked, "de", phonemes=True).tobytes()).hexdigest()
    digest(FIRST)
    b = hashlib.sha256(espeak_ng.synthesize(marked, "de", phonemes=True).tobytes()).hexdigest()
    assert a == b

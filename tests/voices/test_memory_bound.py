"""The memory options a synth worker runs the ONNX voices with (voices/engines/piper.py) change how
onnxruntime holds memory, never what the voice says. What they save is measured by
benchmarks/bench_memory.py on a Thorsten-size voice (too slow to build inside a test)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import Settings
from voices.base import ModelFiles
from voices.engines.piper import HOUSE_MEMORY, ORT_DEFAULTS, OrtMemory, PiperVoice, config_path
from voices.profile import VoiceProfile

# Longer than max_segment_chars: the longest the speech stage lets through when a sentence has
# nowhere to be cut.
LONG = ("Nach einer mehr als zwölfstündigen Sitzung haben sich die Vertreter von Bund und Ländern in der "
        "Nacht zum Donnerstag darauf verständigt, die Finanzierung des öffentlichen Nahverkehrs für die "
        "kommenden drei Jahre zu sichern, wobei die genaue Aufteilung der Kosten erst im Herbst in einer "
        "weiteren Runde festgelegt werden soll.")
SHORT = "Guten Tag."
NO_NOISE = np.array([0.0, 1.0, 0.0], dtype=np.float32)  # the same ids give the same samples


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> ModelFiles:
    from voices.engines.random_vits import build_vits
    from voices.manage import export_onnx

    root = tmp_path_factory.mktemp("memory-vits")
    model = build_vits(root / "model")
    (root / "tiny.toml").write_text(f'name = "tiny"\nengine = "coqui"\nmodel = "{model}"\nfallback = ""\n')
    onnx = export_onnx("tiny", Settings(voices_dir=root, data_dir=root), root / "tiny.onnx")
    return ModelFiles(paths=(onnx, config_path(onnx)))


def voice(files: ModelFiles, memory: OrtMemory) -> PiperVoice:
    profile = VoiceProfile(name="tiny-onnx", engine="piper", model=str(files.paths[0]), fallback="")
    return PiperVoice(profile, files, memory=memory)


@pytest.mark.parametrize("memory", [HOUSE_MEMORY, OrtMemory(arena=False), OrtMemory(shrink_after_run=True)],
                         ids=["house", "no-arena", "shrink"])
def test_memory_options_do_not_change_the_voice(exported: ModelFiles, memory: OrtMemory) -> None:
    default, chosen = voice(exported, ORT_DEFAULTS), voice(exported, memory)
    assert chosen.memory == memory
    # A long sentence, then a short one, then the long one again: after the arena was grown and
    # given back, every run still says exactly what onnxruntime's defaults say.
    for text in (LONG, SHORT, LONG):
        ids = default.ids(text)
        want, got = default.run_ids(ids, NO_NOISE), chosen.run_ids(ids, NO_NOISE)
        assert len(want) > 0 and len(got) == len(want)
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_workers_speak_with_the_house_options(exported: ModelFiles) -> None:
    from voices.engines.piper import load

    profile = VoiceProfile(name="tiny-onnx", engine="piper", model=str(exported.paths[0]), fallback="")
    assert load(profile, exported).memory == HOUSE_MEMORY

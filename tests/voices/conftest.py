"""The voices tests build and load neural voices (tiny random-weight models in a temporary
TTS_HOME). A process keeps a loaded voice for good, so each module forgets them when it ends:
later tests, which expect the house voice's model to be missing on a CI machine, must not get
a voice that was only ever a test's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Settings
from voices import clear_loaded_voices, load_voice
from voices.engines.piper import PiperVoice


@pytest.fixture(autouse=True, scope="module")
def _forget_loaded_voices() -> Iterator[None]:
    yield
    clear_loaded_voices()


def tiny_vits(root: Path) -> Settings:
    """A tiny random-weight Coqui VITS (phonemes from our espeak phonemizer) as profile "tiny"."""
    from voices.engines.random_vits import build_vits

    model = build_vits(root / "model")
    (root / "tiny.toml").write_text(f'name = "tiny"\nengine = "coqui"\nmodel = "{model}"\nfallback = ""\n')
    return Settings(voices_dir=root, data_dir=root)


def tiny_onnx_voice(settings: Settings) -> PiperVoice:
    """The "tiny" voice exported to ONNX and loaded on onnxruntime as profile "tiny-onnx"."""
    from voices.manage import export_onnx

    root = settings.voices_dir
    onnx = export_onnx("tiny", settings, root / "tiny.onnx")
    (root / "tiny-onnx.toml").write_text(f'name = "tiny-onnx"\nengine = "piper"\nmodel = "{onnx}"\nfallback = ""\n')
    voice = load_voice("tiny-onnx", settings)
    assert isinstance(voice, PiperVoice)
    return voice

"""A fetched Coqui VITS voice speaks through its ONNX export by default; torch stays selectable.

Uses the tiny self-built VITS of test_voices_neural (nothing is downloaded: Coqui finds the
model already in TTS_HOME, so `fetch` only does the export step for real)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from tests.voices.test_voices_neural import tiny_vits, tts_home  # noqa: F401 - session fixtures
from voices import clear_loaded_voices, fetch_model, load_voice
from voices.engines.coqui import CoquiVoice
from voices.engines.onnx_twin import export_path
from voices.engines.piper import PiperVoice

TEXT = "Die Straße ist heute wegen Bauarbeiten gesperrt."


@pytest.fixture
def fetched(tts_home: Path, tmp_path: Path) -> Settings:  # noqa: F811
    settings = Settings(data_dir=tmp_path / "data")
    clear_loaded_voices()
    fetch_model("default", settings)
    yield settings
    clear_loaded_voices()


def test_fetch_makes_the_onnx_export_and_it_is_the_default_path(fetched: Settings) -> None:
    onnx = export_path("default", fetched)
    assert onnx.is_file() and onnx.with_name(onnx.name + ".json").is_file()
    fast = load_voice("default", fetched)
    assert isinstance(fast, PiperVoice) and not fast.is_fallback
    assert fast.identity.startswith("default+piper+")
    torch_settings = dataclasses.replace(fetched, voice_runtime="torch")
    slow = load_voice("default", torch_settings)
    assert isinstance(slow, CoquiVoice) and slow.identity.startswith("default+coqui+")
    a, b = fast.synthesize(TEXT), slow.synthesize(TEXT)
    assert a.dtype == b.dtype == np.float32 and abs(a.size - b.size) <= 0.05 * b.size
    assert np.abs(a).max() > 0 and np.abs(b).max() > 0


def test_an_export_of_other_model_files_is_not_used(fetched: Settings) -> None:
    config = export_path("default", fetched).with_name("default.onnx.json")
    data = json.loads(config.read_text(encoding="utf-8"))
    data["source"]["identity"] = "default+coqui+000000000000"  # made from an older checkpoint
    config.write_text(json.dumps(data), encoding="utf-8")
    assert isinstance(load_voice("default", fetched), CoquiVoice)


def test_an_unknown_runtime_is_refused(fetched: Settings) -> None:
    with pytest.raises(ValueError, match="voice_runtime"):
        load_voice("default", dataclasses.replace(fetched, voice_runtime="tensorflow"))

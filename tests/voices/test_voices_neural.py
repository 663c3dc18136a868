"""Coqui and ONNX (piper engine) voices, on a tiny random-weight VITS this test session builds.

Nothing is downloaded: the model is written in Coqui's layout and loaded through exactly the
production path (load_voice), by Coqui name from a TTS_HOME and by local path.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import Script, Segment
from voices import SegmentCache, VoiceError, fetch_model, load_voice, speak
from voices.engines.coqui import CoquiVoice
from voices.engines.piper import PiperVoice
from voices.engines.random_vits import build_vits
from voices.manage import export_onnx

SHORT = "Guten Morgen."
LONG = "Guten Morgen. Die Straße ist heute wegen Bauarbeiten bis zum späten Abend gesperrt."


@pytest.fixture(scope="session")
def tiny_vits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_vits(tmp_path_factory.mktemp("tiny-vits") / "model")
    assert (folder / "config.json").is_file() and (folder / "model_file.pth").is_file()
    assert (folder / "model_file.pth").stat().st_size < 2_000_000  # "about 1 MB"
    return folder


@pytest.fixture(scope="module")  # not session: TTS_HOME must not outlive this room's tests
def tts_home(tiny_vits: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("tts-home")
    shutil.copytree(tiny_vits, home / "tts" / "tts_models--de--thorsten--vits")
    old = os.environ.get("TTS_HOME")
    os.environ["TTS_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("TTS_HOME", None)
    else:
        os.environ["TTS_HOME"] = old


@pytest.fixture(scope="module")
def settings(tts_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


def test_default_profile_loads_thorsten_by_name_from_tts_home(settings: Settings) -> None:
    voice = load_voice("default", settings)
    assert isinstance(voice, CoquiVoice)
    assert not voice.is_fallback and voice.engine == "coqui"
    assert voice.identity.startswith("default+coqui+") and len(voice.identity.split("+")[2]) == 12
    assert voice.sample_rate == 22050
    assert load_voice("default", settings) is voice  # once per process


def test_coqui_synthesis_grows_with_text_and_is_clean(settings: Settings) -> None:
    voice = load_voice("default", settings)
    short, long = voice.synthesize(SHORT), voice.synthesize(LONG)
    assert short.dtype == np.float32 and short.ndim == 1
    assert len(long) > 3 * len(short) > 0
    assert not np.isnan(long).any() and np.abs(long).max() <= 1.0 and np.abs(long).max() > 0


def test_coqui_loads_by_local_path(tiny_vits: Path, tmp_path: Path) -> None:
    (tmp_path / "local.toml").write_text(f'name = "local"\nengine = "coqui"\nmodel = "{tiny_vits}"\nfallback = ""\n')
    (tmp_path / "ckpt.toml").write_text(
        f'name = "ckpt"\nengine = "coqui"\nmodel = "{tiny_vits / "model_file.pth"}"\nfallback = ""\n'
    )
    settings = Settings(voices_dir=tmp_path, data_dir=tmp_path)
    by_folder, by_file = load_voice("local", settings), load_voice("ckpt", settings)
    assert isinstance(by_folder, CoquiVoice) and isinstance(by_file, CoquiVoice)
    # Same files, same hash: the identities differ only by profile name.
    assert by_folder.identity.split("+")[1:] == by_file.identity.split("+")[1:]
    assert len(by_file.synthesize(LONG)) > len(by_file.synthesize(SHORT))


def test_missing_local_model_without_fallback_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "gone.toml").write_text('name = "gone"\nengine = "coqui"\nmodel = "nowhere/model"\nfallback = ""\n')
    with pytest.raises(VoiceError, match="neither a file/folder"):
        load_voice("gone", Settings(voices_dir=tmp_path, data_dir=tmp_path))


def test_coqui_uses_our_libespeak_phonemizer(settings: Settings) -> None:
    from TTS.tts.utils.text.phonemizers import get_phonemizer_by_name

    load_voice("default", settings)
    ph = get_phonemizer_by_name("espeak", language="de")
    assert type(ph).__name__ == "LibEspeakPhonemizer"
    out = ph.phonemize("Die Straße, bitte!", separator="")
    assert "ʃtɾ" in out and "," in out and out.endswith("!")


def test_speed_makes_coqui_speech_shorter(tiny_vits: Path, tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "fast.toml").write_text(
        f'name = "fast"\nengine = "coqui"\nmodel = "{tiny_vits}"\nspeed = 2.0\nfallback = ""\n'
    )
    fast = load_voice("fast", Settings(voices_dir=tmp_path, data_dir=tmp_path)).synthesize(LONG)
    normal = load_voice("default", settings).synthesize(LONG)
    assert len(fast) < 0.75 * len(normal)


def test_export_onnx_and_speak_through_piper_engine(settings: Settings) -> None:
    import torch

    out = export_onnx("default", settings)
    assert out == settings.data_dir / "voices" / "default.onnx" and out.with_name("default.onnx.json").is_file()
    onnx_voice = load_voice("thorsten-onnx", settings)  # the profile that points at the export
    assert isinstance(onnx_voice, PiperVoice) and not onnx_voice.is_fallback
    assert onnx_voice.identity.startswith("thorsten-onnx+piper+")
    short, long = onnx_voice.synthesize(SHORT), onnx_voice.synthesize(LONG)
    assert onnx_voice.sample_rate == 22050 and len(long) > 3 * len(short) and not np.isnan(long).any()

    # Same ids as Coqui's own tokenizer, and the same audio as torch when noise is off.
    assert isinstance(load_voice("default", settings), PiperVoice)  # with its export, ONNX by default
    coqui = load_voice("default", dataclasses.replace(settings, voice_runtime="torch"))
    assert isinstance(coqui, CoquiVoice)
    model = coqui.model
    ids = onnx_voice.ids(LONG)
    assert ids == model.tokenizer.text_to_ids(LONG)
    saved = model.inference_noise_scale, model.inference_noise_scale_dp
    model.inference_noise_scale = model.inference_noise_scale_dp = 0.0
    try:
        with torch.inference_mode():
            ref = model.inference(torch.tensor([ids]))["model_outputs"].squeeze().numpy()
    finally:
        model.inference_noise_scale, model.inference_noise_scale_dp = saved
    got = onnx_voice.run_ids(ids, scales=np.array([0.0, model.length_scale, 0.0], dtype=np.float32))
    assert len(got) == len(ref)
    snr = 10 * np.log10(np.sum(ref**2) / max(np.sum((ref - got) ** 2), 1e-20))
    assert snr > 40


def test_piper_voice_format_with_bos_pad_eos(tmp_path: Path, settings: Settings) -> None:
    """A Piper-style config (no coqui_tokenizer) frames ids as ^ p _ p _ $."""
    import json

    out = export_onnx("default", settings, tmp_path / "piperish.onnx")
    cfg = json.loads(out.with_name("piperish.onnx.json").read_text())
    cfg.pop("coqui_tokenizer")
    vocab = cfg["phoneme_id_map"]
    vocab.update({"^": vocab.pop("<BOS>", [2]), "$": vocab.pop("<EOS>", [1]), "_": vocab.get("<BLNK>", [3])})
    out.with_name("piperish.onnx.json").write_text(json.dumps(cfg))
    (tmp_path / "p.toml").write_text('name = "p"\nengine = "piper"\nmodel = "piperish.onnx"\nfallback = ""\n')
    voice = load_voice("p", Settings(voices_dir=tmp_path, data_dir=tmp_path))
    ids = voice.ids("Hallo")
    assert ids[0] == vocab["^"][0] and ids[-1] == vocab["$"][0] and ids[2] == vocab["_"][0]
    assert len(voice.synthesize("Hallo Welt.")) > 0


def test_speak_with_cache_through_coqui(settings: Settings, tmp_path: Path) -> None:
    voice = load_voice("default", settings)
    cache = SegmentCache(tmp_path, 10_000_000)
    script = Script([Segment("Erster Satz."), Segment("Zweiter Satz.")])
    a, s1 = speak(script, voice, cache)
    b, s2 = speak(script, voice, cache)
    assert (s1.synthesised, s2.synthesised, s2.cached) == (2, 0, 2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_memory_stays_flat_across_100_tasks(settings: Settings) -> None:
    texts = [f"Meldung Nummer {n}: {LONG}" for n in range(100)]

    def task(text: str) -> int:
        voice = load_voice("default", settings)  # what a worker task does; must not reload
        return len(voice.synthesize(text))

    for text in texts[:10]:
        task(text)  # warm up allocator and caches
    before = _rss_mb()
    first = load_voice("default", settings)
    for text in texts:
        task(text)
    grown = _rss_mb() - before
    assert load_voice("default", settings) is first
    assert grown < 15, f"RSS grew by {grown:.1f} MB over 100 tasks"


def test_offline_fetch_fails_with_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTS_HOME", str(tmp_path / "home"))
    with pytest.raises(VoiceError) as err:
        fetch_model("default", Settings(data_dir=tmp_path))
    message = str(err.value)
    assert "could not download tts_models/de/thorsten/vits" in message and "offline" in message
    assert not (tmp_path / "home" / "tts" / "tts_models--de--thorsten--vits").exists()  # no half model


def test_xtts_fetch_demands_licence_acceptance(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="NON-COMMERCIAL"):
        fetch_model("xtts-v2", Settings(data_dir=tmp_path))


def test_fetch_of_espeak_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="nothing to fetch"):
        fetch_model("espeak-de", Settings(data_dir=tmp_path))


def test_int8_quantised_export_still_speaks_close_to_float(settings: Settings, tmp_path: Path) -> None:
    from voices.manage import quantize_onnx

    src = export_onnx("default", settings, tmp_path / "fp32.onnx")
    dst = quantize_onnx(src, tmp_path / "int8.onnx")
    assert dst.stat().st_size < src.stat().st_size
    (tmp_path / "f.toml").write_text('name = "f"\nengine = "piper"\nmodel = "fp32.onnx"\nfallback = ""\n')
    (tmp_path / "q.toml").write_text('name = "q"\nengine = "piper"\nmodel = "int8.onnx"\nfallback = ""\n')
    local = Settings(voices_dir=tmp_path, data_dir=tmp_path)
    fp32, int8 = load_voice("f", local), load_voice("q", local)
    assert isinstance(fp32, PiperVoice) and isinstance(int8, PiperVoice)
    ids, scales = fp32.ids(LONG), np.array([0.0, 1.0, 0.0], dtype=np.float32)
    ref, got = fp32.run_ids(ids, scales), int8.run_ids(ids, scales)
    # int8 may round a duration by a frame or two, so compare length, level and the start.
    assert abs(len(got) / len(ref) - 1) < 0.05 and not np.isnan(got).any()
    n = 2048
    snr_start = 10 * np.log10(np.sum(ref[:n] ** 2) / np.sum((ref[:n] - got[:n]) ** 2))
    assert 10 < snr_start < 200  # close, but really quantised (not a copy of the float model)
    assert 0.5 < np.sqrt(np.mean(got**2)) / np.sqrt(np.mean(ref**2)) < 2


def test_export_refuses_non_coqui_profiles(settings: Settings) -> None:
    with pytest.raises(VoiceError, match="only Coqui VITS"):
        export_onnx("espeak-de", settings)

"""`newsaudio voices fetch|export`: download a Coqui model, or write its ONNX twin."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from pipeline.config import Settings
from voices.engines.coqui_models import INSTALL_HINT, coqui_installed, is_model_name, model_item
from voices.engines.onnx_twin import export_path
from voices.errors import VoiceError
from voices.profile import get_profile

log = logging.getLogger(__name__)


def fetch_model(name: str, settings: Settings, *, accept_licence: bool = False) -> Path:
    """Download the Coqui model (and its vocoder) of profile ``name`` into Coqui's cache.

    Raises VoiceError with a plain reason when it cannot: not a Coqui profile, a licence that
    needs accepting (XTTS-v2, CPML, non-commercial), or no network.
    """
    profile = get_profile(name, settings)
    if profile.engine != "coqui" or not is_model_name(profile.model):
        raise VoiceError(f"profile {name!r} does not name a Coqui model (engine {profile.engine}, "
                         f"model {profile.model!r}); nothing to fetch")
    if not coqui_installed():
        raise VoiceError(INSTALL_HINT)
    item = model_item(profile.model)
    if item.get("tos_required") and not accept_licence:
        raise VoiceError(f"{profile.model} is under the {item.get('license', '?')} licence: "
                         f"{profile.licence_note}. Fetch it only after accepting that licence "
                         "(accept_licence=True / --accept-licence).")
    if item.get("tos_required"):
        os.environ["COQUI_TOS_AGREED"] = "1"  # Coqui would otherwise prompt on stdin

    from voices.engines.coqui import setup_coqui

    setup_coqui()
    from TTS.utils.manage import ModelManager

    manager = ModelManager(progress_bar=False)
    names = [profile.model] + ([item["default_vocoder"]] if item.get("default_vocoder") else [])
    folder = None
    for model_name in names:
        try:
            model_path, _config, _ = manager.download_model(model_name)
        except Exception as exc:  # requests / hub errors, zip errors: all mean "not fetched"
            raise VoiceError(
                f"could not download {model_name} ({type(exc).__name__}: {exc}). Is this machine "
                f"offline? Fetch on a machine with internet and copy {manager.output_prefix} "
                "here (TTS_HOME sets that folder)."
            ) from exc
        folder = folder or Path(model_path)
    assert folder is not None
    if _is_vits(folder):
        # The production path is onnxruntime: make the export now, not on a listener's time.
        try:
            export_onnx(name, settings)
        except Exception as exc:  # torch still speaks; say why the fast path is missing
            log.warning("voice %s: ONNX export failed (%s: %s); it speaks through torch", name,
                        type(exc).__name__, exc)
    return folder


def _is_vits(path: Path) -> bool:
    folder = path if path.is_dir() else path.parent  # Coqui answers with the folder or the checkpoint
    try:
        return str(json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model", "")).lower() == "vits"
    except (OSError, ValueError):
        return False


def export_onnx(name: str, settings: Settings, out_path: Path | None = None) -> Path:
    """Write profile ``name``'s Coqui VITS as ONNX, plus the ``.onnx.json`` the piper engine reads."""
    from voices.engines import coqui
    from voices.engines.coqui import CoquiVoice

    profile = get_profile(name, settings)
    if profile.engine != "coqui":
        raise VoiceError(f"profile {name!r} uses the {profile.engine} engine; only Coqui VITS can be exported")
    # Always the torch model (never an earlier export of it), and no fallback: exporting espeak
    # would be meaningless.
    voice = coqui.load(profile, coqui.resolve(profile, settings))
    assert isinstance(voice, CoquiVoice)
    model = voice.model
    if type(model).__name__ != "Vits":
        raise VoiceError(f"profile {name!r} is a Coqui {type(model).__name__}; only VITS exports to ONNX")
    out = Path(out_path) if out_path is not None else export_path(name, settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=".onnx")
    os.close(fd)
    try:
        model.export_onnx(output_path=tmp, verbose=False)
        config_tmp = Path(tmp + ".json")
        config_tmp.write_text(json.dumps(onnx_config(voice), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, out)
        os.replace(config_tmp, out.with_name(out.name + ".json"))
    finally:
        Path(tmp).unlink(missing_ok=True)
        Path(tmp + ".json").unlink(missing_ok=True)
    log.info("wrote %s (+ .json) from profile %s (%s)", out, name, voice.identity)
    return out


def onnx_config(voice) -> dict:
    """A Piper-style voice config, plus Coqui's tokenizer rules so ids match the torch model."""
    model = voice.model
    tok = model.tokenizer
    chars = tok.characters
    id_map = {ch: [i] for i, ch in enumerate(chars.vocab)}
    config = model.config
    speakers = getattr(getattr(model, "speaker_manager", None), "name_to_id", None) or {}
    return {
        "audio": {"sample_rate": voice.sample_rate},
        "espeak": {"voice": getattr(config, "phoneme_language", None) or voice.profile.language},
        "inference": {
            "noise_scale": float(model.inference_noise_scale),
            "length_scale": float(model.length_scale),
            "noise_w": float(model.inference_noise_scale_dp),
        },
        "phoneme_type": "espeak" if tok.use_phonemes else "text",
        "phoneme_id_map": id_map,
        "num_speakers": max(1, len(speakers)),
        "speaker_id_map": dict(speakers),
        "coqui_tokenizer": {
            "add_blank": bool(tok.add_blank),
            "use_eos_bos": bool(tok.use_eos_bos),
            "blank_id": chars.char_to_id(chars.blank) if chars.blank else None,
            "bos_id": chars.char_to_id(chars.bos) if chars.bos else None,
            "eos_id": chars.char_to_id(chars.eos) if chars.eos else None,
            "use_phonemes": bool(tok.use_phonemes),
        },
        "source": {"profile": voice.profile.name, "identity": voice.identity},
    }


def quantize_onnx(src: Path, dst: Path) -> Path:
    """onnxruntime dynamic int8 quantisation of an exported voice (weights int8, activations
    quantised on the fly), with its .onnx.json copied alongside.

    Convolutions whose weight is computed in the graph rather than stored (a few in the VITS
    duration-predictor flows) cannot be quantised; they stay float.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src), load_external_data=False).graph
    stored = {init.name for init in graph.initializer}
    computed = [n.name for n in graph.node if n.op_type in ("Conv", "ConvTranspose") and n.input[1] not in stored]
    # The quantiser logs one root-logger warning per tensor whose shape it cannot infer
    # (hundreds for VITS): harmless, and they would bury everything else a user reads.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, nodes_to_exclude=computed)
    finally:
        root.setLevel(level)
    dst.with_name(dst.name + ".json").write_text(src.with_name(src.name + ".json").read_text(encoding="utf-8"))
    return dst

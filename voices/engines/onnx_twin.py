"""The production voice at its fastest correct path: a Coqui VITS voice with an ONNX export
next to it is spoken by onnxruntime (2.5x faster on CPU, a third of the memory, bit-close to
torch). `newsaudio voices fetch` makes the export; ``voice_runtime = "torch"`` keeps torch.

An export is used only while it was made from the very files the profile resolves to now (its
.onnx.json records the torch voice's identity): a re-fetched model is never shadowed by an
export of the old one.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

from pipeline.config import Settings
from voices.base import ModelFiles
from voices.engines.coqui import coqui_identity
from voices.profile import VoiceProfile

log = logging.getLogger(__name__)

RUNTIMES = ("onnx", "torch")


def export_path(name: str, settings: Settings) -> Path:
    return settings.data_dir / "voices" / f"{name}.onnx"


def usable_twin(profile: VoiceProfile, settings: Settings, files: ModelFiles) -> Path | None:
    """The ONNX export to speak ``profile`` with, or None (torch then)."""
    if settings.voice_runtime not in RUNTIMES:
        raise ValueError(f"voice_runtime must be one of {', '.join(RUNTIMES)}, not {settings.voice_runtime!r}")
    if settings.voice_runtime != "onnx" or profile.engine != "coqui":
        return None
    path = export_path(profile.name, settings)
    config = path.with_name(path.name + ".json")
    if not (path.is_file() and config.is_file()) or importlib.util.find_spec("onnxruntime") is None:
        return None
    try:
        made_from = json.loads(config.read_text(encoding="utf-8")).get("source", {}).get("identity")
    except (OSError, ValueError):
        return None
    if made_from != coqui_identity(profile, files):
        log.warning("voice %s: %s was exported from other model files (%s); speaking with torch until "
                    "`newsaudio voices export %s` refreshes it", profile.name, path, made_from, profile.name)
        return None
    return path

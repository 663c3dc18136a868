"""Voices: turn a Script's segments into PCM with a named voice profile.

    voice = load_voice("default", settings)      # once per process
    pcm_list, stats = speak(script, voice, SegmentCache(dir, max_bytes))

Engines: ``espeak`` (espeak-ng via ctypes, always available), ``coqui`` (coqui-tts models,
needs scripts/install-neural.sh), ``piper`` (ONNX VITS through onnxruntime).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.lazy import lazy_exports
from voices.errors import ModelMissing, VoiceError
from voices.profile import Pauses, VoiceProfile, get_profile, load_profiles

if TYPE_CHECKING:
    from voices.base import Voice
    from voices.cache import SegmentCache
    from voices.loader import ProfileStatus, clear_loaded_voices, list_profiles, load_voice
    from voices.manage import export_onnx, fetch_model
    from voices.speak import SpeakStats, real_time_factor, speak

# The engines (numpy, onnxruntime, torch) load with the first voice, not with the profiles: the
# web process names voices by their profile's title and never speaks outside a preview.
lazy_exports(__name__, {
    "Voice": "base", "SegmentCache": "cache", "ProfileStatus": "loader", "clear_loaded_voices": "loader",
    "list_profiles": "loader", "load_voice": "loader", "export_onnx": "manage", "fetch_model": "manage",
    "SpeakStats": "speak", "real_time_factor": "speak", "speak": "speak",
})

__all__ = [
    "ModelMissing", "Pauses", "ProfileStatus", "SegmentCache", "SpeakStats", "Voice", "VoiceError",
    "VoiceProfile", "clear_loaded_voices", "export_onnx", "fetch_model", "get_profile", "list_profiles",
    "load_profiles", "load_voice", "real_time_factor", "speak",
]

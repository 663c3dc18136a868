"""load_voice and list_profiles: from a profile name to a ready Voice, once per process.

Loading is where a missing model turns into the espeak fallback (with a loud warning), so the
pipeline is never silent; the fallback's ``identity`` names espeak, and every episode records
it, so an editor can find and regenerate what the fallback spoke.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass

from pipeline.config import Settings
from voices.base import Voice
from voices.engines import onnx_twin
from voices.errors import ModelMissing, VoiceError
from voices.profile import VoiceProfile, get_profile, load_profiles

log = logging.getLogger(__name__)

# One loaded voice per (profile, resolved model files) per process. Keying on the
# resolved files, not only the name, means a worker that was falling back picks up the real
# model on its next load once `newsaudio voices fetch` has put the files in place.
_VOICES: dict[tuple[object, ...], Voice] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ProfileStatus:
    name: str
    engine: str
    ready: bool
    reason: str  # empty when ready; else what is missing and what to do
    licence: str = ""
    commercial_use: bool = True


def _engine(name: str):  # -> module with resolve(profile, settings) and load(profile, files)
    if name == "espeak":
        from voices.engines import espeak as mod
    elif name == "coqui":
        from voices.engines import coqui as mod
    elif name == "piper":
        from voices.engines import piper as mod
    else:
        raise VoiceError(f"unknown engine {name!r}")
    return mod


def load_exact(profile: VoiceProfile, settings: Settings) -> Voice:
    """Load ``profile`` with its own engine; raises ModelMissing when files are absent."""
    engine = _engine(profile.engine)
    files = engine.resolve(profile, settings)  # raises ModelMissing
    twin = onnx_twin.usable_twin(profile, settings, files)
    if twin is not None:  # the same voice through onnxruntime: faster, same sound
        profile = dataclasses.replace(profile, engine="piper", model=str(twin))
        engine = _engine("piper")
        files = engine.resolve(profile, settings)
    key = (profile, files)
    with _LOCK:
        voice = _VOICES.get(key)
        if voice is None:
            voice = _VOICES[key] = engine.load(profile, files)
    return voice


def load_voice(name: str, settings: Settings) -> Voice:
    profile = get_profile(name, settings)
    if not profile.commercial_use:
        log.warning("voice profile %r: %s", name, profile.licence_note)
    try:
        return load_exact(profile, settings)
    except ModelMissing as exc:
        if not profile.fallback:
            raise
        reason = str(exc)
    fallback = get_profile(profile.fallback, settings)
    if fallback.engine != "espeak":
        raise VoiceError(f"profile {name!r}: fallback {fallback.name!r} must be an espeak profile")
    from voices.engines.espeak import EspeakVoice

    key = (profile, "fallback", fallback, reason)
    with _LOCK:
        voice = _VOICES.get(key)
        if voice is None:
            # Loudly, but once per process and reason: a worker voicing 500 articles would
            # otherwise bury every other log line under the same warning.
            log.warning(
                "VOICE FALLBACK: profile %r cannot load its model (%s). Speaking with espeak-ng (%s) instead; "
                "episodes record this voice so they can be regenerated later.",
                name, reason, fallback.name,
            )
            # The fallback keeps the requested profile's name and pauses, but speaks, and is
            # identified, as espeak.
            merged = VoiceProfile(
                name=profile.name, engine="espeak", speaker=fallback.speaker, language=profile.language,
                speed=fallback.speed, pauses=profile.pauses, description=fallback.description,
                licence=fallback.licence, fallback="", source=profile.source,
            )
            voice = _VOICES[key] = EspeakVoice(merged, fallback_reason=reason)
    return voice


def clear_loaded_voices() -> None:
    """Forget loaded voices (tests and `voices fetch` use it; workers never need to)."""
    with _LOCK:
        _VOICES.clear()


def profile_status(profile: VoiceProfile, settings: Settings) -> ProfileStatus:
    try:
        _engine(profile.engine).resolve(profile, settings)
        ready, reason = True, ""
    except ModelMissing as exc:
        ready, reason = False, str(exc)
        if profile.fallback:
            reason += f" (until then it speaks as {profile.fallback})"
    return ProfileStatus(
        name=profile.name, engine=profile.engine, ready=ready, reason=reason,
        licence=profile.licence_note, commercial_use=profile.commercial_use,
    )


def list_profiles(settings: Settings) -> list[ProfileStatus]:
    return [profile_status(p, settings) for _, p in sorted(load_profiles(settings).items())]

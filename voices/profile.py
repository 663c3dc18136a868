"""Voice profiles: TOML files naming an engine, a model and how to speak.

Built-in profiles live in ``voices/profiles/*.toml``; a newsroom can add or override them in
``settings.voices_dir`` (a file there with the same ``name`` wins).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Settings
from voices.errors import VoiceError

BUILTIN_DIR = Path(__file__).parent / "profiles"
ENGINES = ("espeak", "coqui", "piper")


@dataclass(frozen=True)
class Pauses:
    title_ms: int = 900
    paragraph_ms: int = 700
    sentence_ms: int = 250


@dataclass(frozen=True)
class VoiceProfile:
    name: str
    engine: str
    # Coqui model name ("tts_models/de/thorsten/vits"), or a path (relative to the profile
    # file's folder, or absolute) to a Coqui model folder / checkpoint or an .onnx file.
    model: str = ""
    speaker: str = ""
    language: str = "de"
    speed: float = 1.0
    pauses: Pauses = field(default_factory=Pauses)
    description: str = ""
    licence: str = ""
    # False for models whose licence bars commercial use (XTTS-v2, CPML): shown wherever a
    # profile can be chosen so nobody publishes its audio by accident.
    commercial_use: bool = True
    # Profile spoken instead when this one's model files are missing; "" = fail loudly.
    fallback: str = "espeak-de"
    source: Path | None = None

    @property
    def licence_note(self) -> str:
        if self.commercial_use:
            return self.licence
        return f"{self.licence} - NON-COMMERCIAL ONLY: the model and its audio may not be used commercially"


def _read(path: Path, settings: Settings) -> VoiceProfile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise VoiceError(f"voice profile {path}: not valid TOML: {exc}") from exc
    pauses = raw.pop("pauses", {})
    known = set(VoiceProfile.__dataclass_fields__) - {"pauses", "source"}
    unknown = set(raw) - known
    if unknown:
        raise VoiceError(f"voice profile {path}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    if "name" not in raw or "engine" not in raw:
        raise VoiceError(f"voice profile {path}: needs at least name and engine")
    if raw["engine"] not in ENGINES:
        raise VoiceError(f"voice profile {path}: engine {raw['engine']!r} is not one of {ENGINES}")
    # Pause lengths default to the site settings so one newsaudio.toml tunes every voice.
    p = Pauses(
        title_ms=int(pauses.get("title_ms", settings.pause_title_ms)),
        paragraph_ms=int(pauses.get("paragraph_ms", settings.pause_paragraph_ms)),
        sentence_ms=int(pauses.get("sentence_ms", settings.pause_sentence_ms)),
    )
    raw["speed"] = float(raw.get("speed", 1.0))
    return VoiceProfile(pauses=p, source=path, **raw)


def profile_dirs(settings: Settings) -> list[Path]:
    dirs = [BUILTIN_DIR]
    if settings.voices_dir is not None:
        dirs.append(Path(settings.voices_dir))
    return dirs


def load_profiles(settings: Settings) -> dict[str, VoiceProfile]:
    """All profiles by name, later directories overriding earlier ones."""
    found: dict[str, VoiceProfile] = {}
    for folder in profile_dirs(settings):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            profile = _read(path, settings)
            found[profile.name] = profile
    return found


def get_profile(name: str, settings: Settings) -> VoiceProfile:
    profiles = load_profiles(settings)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise VoiceError(f"no voice profile named {name!r} (known: {known}); add voices/profiles/{name}.toml")
    return profiles[name]


def model_search_dirs(profile: VoiceProfile, settings: Settings) -> list[Path]:
    """Where a relative model path in a profile is looked up, first match wins."""
    dirs = []
    if profile.source is not None:
        dirs.append(profile.source.parent)
    if settings.voices_dir is not None:
        dirs.append(Path(settings.voices_dir))
    dirs.append(settings.data_dir / "voices")  # where `newsaudio voices export` writes by default
    dirs.append(settings.root)
    return dirs

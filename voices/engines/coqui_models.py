"""Where Coqui model files are, without importing coqui-tts (which imports torch).

`newsaudio voices` lists every profile's readiness in a fraction of a second, so resolution
reads Coqui's model catalogue (TTS/.models.json) and the model-manager cache directly:
``$TTS_HOME/tts/<type>--<lang>--<dataset>--<model>`` (else ``$XDG_DATA_HOME/tts``, else
``~/.local/share/tts``), the same place coqui-tts' ModelManager downloads to. Models that Coqui
hosts on the Hugging Face hub (XTTS-v2) live in the hub's cache instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from voices.base import ModelFiles
from voices.errors import ModelMissing

CHECKPOINT_NAMES = ("model_file.pth", "model_file.pth.tar", "model.pth", "checkpoint.pth")
MODEL_TYPES = ("tts_models/", "vocoder_models/", "voice_conversion_models/")
INSTALL_HINT = "coqui-tts is not installed: run scripts/install-neural.sh"


def coqui_installed() -> bool:
    return importlib.util.find_spec("TTS") is not None


def tts_home() -> Path:
    """Coqui's model-manager cache folder (mirrors trainer.io.get_user_data_dir("tts"))."""
    if os.environ.get("TTS_HOME"):
        base = Path(os.environ["TTS_HOME"]).expanduser().resolve()
    elif os.environ.get("XDG_DATA_HOME"):
        base = Path(os.environ["XDG_DATA_HOME"]).expanduser().resolve()
    else:
        base = Path.home() / ".local" / "share"
    return base / "tts"


def is_model_name(model: str) -> bool:
    return model.startswith(MODEL_TYPES) and model.count("/") == 3


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    spec = importlib.util.find_spec("TTS")
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / ".models.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def model_item(name: str) -> dict[str, Any]:
    node: Any = catalogue()
    for part in name.split("/"):
        if not isinstance(node, dict) or part not in node:
            return {}
        node = node[part]
    return node if isinstance(node, dict) else {}


def find_checkpoint(folder: Path) -> tuple[Path, Path]:
    """(checkpoint, config.json) inside a Coqui model folder, as Coqui's ModelManager lays it out."""
    config = folder / "config.json"
    if not config.is_file():
        raise ModelMissing(f"{folder} has no config.json")
    for name in CHECKPOINT_NAMES:
        if (folder / name).is_file():
            return folder / name, config
    candidates = sorted(folder.glob("*.pth")) + sorted(folder.glob("*.pt"))
    if len(candidates) == 1:
        return candidates[0], config
    raise ModelMissing(f"{folder} has no model_file.pth (or one unambiguous *.pth)")


def _hub_folder(repo_id: str) -> Path | None:
    """The hub cache's snapshot of ``repo_id`` if it was downloaded; never touches the network."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not cached (LocalEntryNotFoundError) or hub library missing
        return None


def model_folder(name: str) -> Path:
    """Where the model manager keeps (or would keep) ``name``."""
    item = model_item(name)
    if "repo_id" in item:
        return _hub_folder(item["repo_id"]) or tts_home() / name.replace("/", "--")
    return tts_home() / name.replace("/", "--")


def resolve_local(model: str, base_dirs: list[Path]) -> Path | None:
    """A model given as a path: absolute, or relative to one of ``base_dirs``."""
    p = Path(model).expanduser()
    candidates = [p] if p.is_absolute() else [d / p for d in base_dirs]
    for c in candidates:
        if c.exists():
            return c.resolve()
    return None


def resolve_coqui(model: str, base_dirs: list[Path], profile_name: str) -> ModelFiles:
    if not coqui_installed():
        raise ModelMissing(INSTALL_HINT)
    local = resolve_local(model, base_dirs) if model else None
    if local is not None:
        folder = local if local.is_dir() else local.parent
        if local.is_dir():
            ckpt, config = find_checkpoint(folder)
        else:
            ckpt, config = local, folder / "config.json"
            if not config.is_file():
                raise ModelMissing(f"{local}: no config.json next to the checkpoint")
        return ModelFiles(paths=(ckpt, config))
    if not is_model_name(model):
        raise ModelMissing(
            f"model {model!r} is neither a file/folder (looked in {', '.join(map(str, base_dirs))}) "
            "nor a Coqui model name like tts_models/de/thorsten/vits"
        )
    item = model_item(model)
    if not item:
        raise ModelMissing(f"{model!r} is not in coqui-tts' model catalogue")
    folder = model_folder(model)
    if not folder.is_dir():
        raise ModelMissing(
            f"Coqui model {model} is not downloaded (looked in {folder}): run "
            f"`newsaudio voices fetch {profile_name}` on a machine with internet, or copy the "
            "folder there (TTS_HOME sets the location)"
        )
    if item.get("model_name", model.split("/")[-1]).startswith("xtts") or "xtts" in model:
        # XTTS loads from its folder (model.pth, config.json, vocab.json, speakers_xtts.pth).
        ckpt, config = folder, folder / "config.json"
        if not config.is_file():
            raise ModelMissing(f"{folder} has no config.json")
    else:
        ckpt, config = find_checkpoint(folder)
    extra: tuple[Path, ...] = ()
    vocoder = item.get("default_vocoder")
    if vocoder:
        vfolder = model_folder(vocoder)
        if not vfolder.is_dir():
            raise ModelMissing(
                f"{model} needs the vocoder {vocoder}, which is not downloaded (looked in {vfolder}): "
                f"run `newsaudio voices fetch {profile_name}`"
            )
        extra = find_checkpoint(vfolder)
    return ModelFiles(paths=(ckpt, config), extra=extra, model_name=model)

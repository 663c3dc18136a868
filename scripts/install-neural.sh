#!/usr/bin/env bash
# Install the neural voice engines (coqui-tts, onnxruntime) into the project's venv, CPU only.
#
#   PIP=.venv/bin/pip scripts/install-neural.sh      (default PIP: .venv/bin/pip)
#
# Run after the base install (`pip install -e .[test]`). Idempotent: every step checks what
# is there first, so running it twice changes nothing and takes a few seconds.
#
# Why each step is needed on a fresh CPU machine:
#  1. torch==2.13.0 first, pinned. coqui-tts >= 0.27.4 no longer pulls torch itself, and any
#     unpinned "torch" would resolve to a multi-GB CUDA build from PyPI. The pinned version is
#     the CPU wheel kept in /opt/wheels (pip's find-links), so nothing big is downloaded.
#  2. coqui-tts 0.28 (the maintained fork; Coqui's own "TTS" stopped at 0.22).
#  3. torchaudio and torchcodec. `import TTS` refuses to start unless both are importable
#     (torchcodec only for torch >= 2.9), and TTS/tts/models/vits.py imports torchaudio at the
#     top. PyPI only has CUDA builds of them: their compiled libraries link libtorch_cuda.so,
#     which a CPU torch does not have, so loading them fails. We install the wheels without
#     dependencies (their "torch" requirement would otherwise pull CUDA torch) and then:
#       - torchaudio: remove its compiled extension (torchaudio/lib/*.so). torchaudio's loader
#         treats a missing extension as a supported layout (it returns False instead of
#         raising, see torchaudio/_extension/utils.py::_load_lib) and then runs in pure Python:
#         transforms and functional.resample work; only the C++ ops (forced alignment, CTC
#         decoder, RNN-T loss) are unavailable. Coqui's VITS/Tacotron inference uses none.
#       - torchcodec: left as is. Coqui only checks that it is *findable*; nothing on our path
#         imports it (we never let Coqui read audio files: XTTS voice cloning from a reference
#         WAV would, and is therefore unsupported on CPU-only installs).
#     Where the PyTorch CPU index is reachable, the cleaner equivalent is
#     `pip install torchaudio --index-url https://download.pytorch.org/whl/cpu`; this machine
#     class only reaches PyPI, so we don't depend on it.
#  4. six: imported by a coqui-tts dependency without being declared.
#  5. onnxruntime (+ onnx for export and int8 quantisation) for the `piper` engine. We run ONNX
#     VITS voices directly with onnxruntime rather than through the piper-tts package: piper-tts
#     >= 1.3 is GPL-3.0 and bundles its own espeak; we already ship espeak-ng via espeakng-loader.
# espeak-ng itself needs no step: the base dependency espeakng-loader ships the library and
# data, and voices/ registers it as Coqui's "espeak" phonemizer (no espeak-ng binary, no apt).
set -euo pipefail

PIP="${PIP:-.venv/bin/pip}"
PY="$(dirname "$PIP")/python"
[ -x "$PY" ] || PY=python3

TORCH_VERSION=2.13.0
COQUI_VERSION=0.28.0
TORCHAUDIO_VERSION=2.11.1
TORCHCODEC_VERSION=0.17.0

have() {  # have DIST VERSION: is exactly this distribution version installed?
    "$PY" - "$1" "$2" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, version
try:
    ok = version(sys.argv[1]).split("+")[0] == sys.argv[2]
except PackageNotFoundError:
    ok = False
sys.exit(0 if ok else 1)
PYEOF
}

# 1. CPU torch, pinned to the local wheel.
# Where pip's find-links hold the CPU wheel (this workplace's machines), take it; elsewhere
# PyPI's Linux torch is the multi-GB CUDA build, so take the CPU build from PyTorch's index.
if ! have torch "$TORCH_VERSION"; then
    if "$PIP" install --dry-run --quiet --no-index --no-deps "torch==$TORCH_VERSION" >/dev/null 2>&1; then
        "$PIP" install "torch==$TORCH_VERSION"
    else
        "$PIP" install "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu
    fi
fi

# 2. coqui-tts. Its requirements don't include torch, so this cannot replace the CPU torch;
#    the constraint below makes pip fail rather than silently swap it if that ever changes.
if ! have coqui-tts "$COQUI_VERSION"; then
    echo "torch==$TORCH_VERSION" > "${TMPDIR:-/tmp}/newsaudio-torch-pin.txt"
    "$PIP" install "coqui-tts==$COQUI_VERSION" six -c "${TMPDIR:-/tmp}/newsaudio-torch-pin.txt"
fi

# 3. torchaudio / torchcodec without dependencies, then drop torchaudio's CUDA-linked extension.
have torchaudio "$TORCHAUDIO_VERSION" || "$PIP" install --no-deps "torchaudio==$TORCHAUDIO_VERSION"
have torchcodec "$TORCHCODEC_VERSION" || "$PIP" install --no-deps "torchcodec==$TORCHCODEC_VERSION"
TA_LIB="$("$PY" -c 'import importlib.util, pathlib; print(pathlib.Path(importlib.util.find_spec("torchaudio").origin).parent / "lib")')"
rm -f "$TA_LIB"/*.so

# 4 + 5. six (undeclared), onnxruntime and onnx.
"$PY" -c 'import six, onnxruntime, onnx' 2>/dev/null || "$PIP" install six "onnxruntime>=1.18" "onnx>=1.16"

# Prove it: import TTS and build the VITS class on a CPU-only torch.
"$PY" - <<'PYEOF'
import torch
import TTS
from TTS.tts.models.vits import Vits  # imports torchaudio at module level
import onnxruntime
assert torch.version.cuda is None, f"expected the CPU build of torch, got CUDA {torch.version.cuda}"
print(f"neural voices ready: torch {torch.__version__}, coqui-tts {TTS.__version__}, "
      f"onnxruntime {onnxruntime.__version__}")
PYEOF

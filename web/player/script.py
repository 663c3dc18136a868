"""The player's script as served under /player/: its folder and file name, and the headers a
module script loaded from another origin needs."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

PLAYER_DIR = Path(__file__).resolve().parents[1] / "static" / "player"
SCRIPT_NAME = "newsaudio-player.js"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class PlayerFiles(StaticFiles):
    """The player's static files: a JS content type every browser accepts for modules, CORS
    (a module script from another origin is fetched in CORS mode), and a short cache: the file
    name is not versioned, so a fixed player reaches pages within minutes."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        kind = _TYPES.get(Path(full_path).suffix)
        if kind:
            response.headers["content-type"] = kind
        response.headers["cache-control"] = "public, max-age=300, stale-while-revalidate=86400"
        response.headers["access-control-allow-origin"] = "*"
        return response

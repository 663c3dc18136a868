"""What every API handler shares: the JSON body it was sent, and its error answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


def error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def body(request: Request) -> dict[str, Any]:
    """The JSON object sent, or empty (no body, or one that is not an object)."""
    sent = request.state.json
    return sent if isinstance(sent, dict) else {}

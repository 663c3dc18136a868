"""``/healthz``: 200 when the store answers and the output folder is readable, else 503 and why."""

from __future__ import annotations

import logging
import os

import anyio
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from pipeline.config import Settings
from pipeline.state.store import open_store

log = logging.getLogger(__name__)


def check(settings: Settings) -> list[str]:
    """What is wrong, empty when healthy. Reasons name the part, never a URL or password."""
    problems: list[str] = []
    try:
        with open_store(settings).engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the store is the answer, not a crash
        log.warning("healthz: store unreachable: %r", exc)
        problems.append(f"store unreachable ({type(exc).__name__})")
    out = settings.output_dir
    if not out.is_dir() or not os.access(out, os.R_OK | os.X_OK):
        problems.append("output folder not readable")
    return problems


async def healthz(request: Request) -> JSONResponse:
    problems = await anyio.to_thread.run_sync(check, request.app.state.settings)
    body = {"ok": not problems, "reason": "; ".join(problems)} if problems else {"ok": True}
    return JSONResponse(
        body,
        status_code=503 if problems else 200,
        headers={"cache-control": "no-store"},
        media_type="application/json; charset=utf-8",
    )

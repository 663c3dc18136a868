"""The API's description: the OpenAPI document as shipped, and a plain page listing its operations."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

OPENAPI = Path(__file__).resolve().parent / "openapi.json"


async def openapi(request: Request) -> Response:
    return FileResponse(OPENAPI, media_type="application/json")


async def docs(request: Request) -> Response:
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return HTMLResponse(docs_html(spec))


def docs_html(spec: dict[str, Any]) -> str:
    """A plain page listing every operation of the OpenAPI document (no external scripts)."""
    rows = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            scope = ", ".join(s for req in op.get("security", []) for v in req.values() for s in v)
            rows.append(
                f"<tr><td><code>{escape(method.upper())} {escape(path)}</code></td>"
                f"<td>{escape(op.get('summary', ''))}</td><td>{escape(scope)}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>newsaudio API</title></head><body>"
        f"<h1>{escape(spec['info']['title'])} {escape(spec['info']['version'])}</h1>"
        f"<p>{escape(spec['info'].get('description', ''))}</p>"
        "<p>Machine-readable: <a href='/api/v1/openapi.json'>openapi.json</a></p>"
        "<table><tr><th>Operation</th><th>What</th><th>Scope</th></tr>" + "".join(rows) + "</table></body></html>"
    )

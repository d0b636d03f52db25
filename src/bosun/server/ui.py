"""Serves the web UI's build (ui/ → src/bosun/server/ui_dist) at `/`, with SPA fallback.

Mounted last by app.py, so every API route wins. The server knows nothing of the UI but
that it is a folder of static files with an index.html: a path that names a file gets
the file, any other GET that is not under an API prefix gets index.html (the UI's router
takes it from there). Without a build, `/` answers a page saying how to make one.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from bosun.server.errors import error_response

UI_DIST = Path(__file__).parent / "ui_dist"

# First path segments the UI must never shadow: an unknown API path stays a JSON 404.
# Whole segments, so that UI routes such as /mcp-servers are not taken for /mcp.
_API_SEGMENTS = frozenset(
    {"api", "mcp", "docs", "redoc", "openapi.json", "health", "healthz", "readyz", "version"}
)


def _is_api_path(path: str) -> bool:
    return path.split("/", 1)[0] in _API_SEGMENTS


_NO_BUILD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bosun: web UI not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 42em; margin: 3em auto">
<h1>Bosun's web UI is not built</h1>
<p>The control plane is running (the API answers under <code>/api/</code>, see
<a href="/docs">/docs</a>), but this installation has no UI build in
<code>{dist}</code>.</p>
<p>Build it from a source checkout (Node 20 and npm are needed once):</p>
<pre>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>or run <code>make up</code>, which builds it for you.</p>
</body></html>
"""

# Hashed asset names never change content: let browsers keep them.
_IMMUTABLE = "public, max-age=31536000, immutable"


def ui_built(dist: Path = UI_DIST) -> bool:
    return (dist / "index.html").is_file()


def mount_ui(app: FastAPI, dist: Path = UI_DIST) -> None:
    """Add the catch-all GET route that serves the UI (call after all other routes)."""
    root = dist.resolve()

    async def serve(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if request.method not in ("GET", "HEAD") or _is_api_path(path):
            return error_response(404, "not_found", f"no route for /{path}")
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(_NO_BUILD_PAGE.format(dist=root), status_code=503)
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                media_type = mimetypes.guess_type(candidate.name)[0]
                headers = {"Cache-Control": _IMMUTABLE} if path.startswith("assets/") else None
                return FileResponse(candidate, media_type=media_type, headers=headers)
            if path.startswith("assets/"):  # a stale hashed asset: a real 404, not the SPA
                return error_response(404, "not_found", f"no UI asset /{path}")
        # index.html must not be cached: it names the current hashed assets.
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})

    # Every method, so that an unknown POST is a JSON 404 rather than a 405 from this route.
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app.router.routes.append(Route("/", serve, methods=methods))
    app.router.routes.append(Route("/{path:path}", serve, methods=methods))

"""The control plane's UI serving (server/ui.py): files, SPA fallback, the page shown
without a build, and API paths that the catch-all must never shadow."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from bosun.server.ui import mount_ui


def client_for(dist: Path) -> httpx.AsyncClient:
    app = FastAPI()

    @app.get("/api/agents")
    async def agents() -> dict[str, list[str]]:
        return {"items": []}

    mount_ui(app, dist)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui")


def built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "app-1234.js").write_text("console.log(1)")
    return tmp_path


async def test_index_and_deep_links_get_the_app(tmp_path: Path) -> None:
    async with client_for(built(tmp_path)) as client:
        for path in ("/", "/agents/default/helper", "/chat/default/helper/abc"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert "id=root" in response.text
            assert response.headers["cache-control"] == "no-cache"


async def test_assets_are_served_with_their_type_and_cached(tmp_path: Path) -> None:
    async with client_for(built(tmp_path)) as client:
        response = await client.get("/assets/app-1234.js")
        missing = await client.get("/assets/app-0000.js")
    assert response.status_code == 200 and response.text == "console.log(1)"
    assert "javascript" in response.headers["content-type"]
    assert "immutable" in response.headers["cache-control"]
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


async def test_api_routes_win_and_unknown_api_paths_stay_json(tmp_path: Path) -> None:
    async with client_for(built(tmp_path)) as client:
        assert (await client.get("/api/agents")).json() == {"items": []}
        unknown = await client.get("/api/nothing")
        posted = await client.post("/somewhere", json={})
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    assert posted.status_code == 404


async def test_ui_routes_that_start_like_an_api_path_get_the_app(tmp_path: Path) -> None:
    async with client_for(built(tmp_path)) as client:
        page = await client.get("/mcp-servers/default/tools")
        mcp = await client.get("/mcp/anything")
        docs = await client.get("/docs/no-such-page")
    assert page.status_code == 200 and "id=root" in page.text
    assert mcp.status_code == 404 and docs.status_code == 404


async def test_paths_cannot_escape_the_build_folder(tmp_path: Path) -> None:
    dist = built(tmp_path / "dist")
    (tmp_path / "secret.txt").write_text("nope")
    async with client_for(dist) as client:
        response = await client.get("/..%2fsecret.txt")
    assert "nope" not in response.text


async def test_without_a_build_the_root_says_how_to_build_it(tmp_path: Path) -> None:
    async with client_for(tmp_path / "missing") as client:
        response = await client.get("/")
    assert response.status_code == 503
    assert "npm ci" in response.text and "npm run build" in response.text

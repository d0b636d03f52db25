"""`bosun invoke --save-files DIR`: save the files an agent returned with a task.

Called by bosun.cli.invoke after the answer. Reads the task through the control plane's
A2A proxy (HTTP+JSON binding, `GET .../v1/tasks/{id}`), and saves every file part of its
artifacts other than the answer: inline bytes as they are, a URL relative to the control
plane (`/api/files/{id}`, where the runtime stores tool files) downloaded with the same
credentials; a URL on another origin is downloaded without them (an agent's tool chooses
that URL: it must not receive the user's token). A name that exists already gets a
numbered suffix; names never leave DIR.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import httpx


def _target(directory: Path, name: str) -> Path:
    base = Path(name).name or "file"  # no directories from the agent's name
    path = directory / base
    n = 1
    while path.exists():
        path = directory / f"{Path(base).stem}-{n}{Path(base).suffix}"
        n += 1
    return path


def _write(directory: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    saved = []
    for filename, data in files:
        path = _target(directory, filename)
        path.write_bytes(data)
        saved.append(path)
    return saved


async def _fetch(http: httpx.AsyncClient, base: str, path: str) -> list[tuple[str, bytes]]:
    response = await http.get(path)
    response.raise_for_status()
    task: dict[str, Any] = response.json()
    task = task.get("task", task)
    files = []
    for artifact in task.get("artifacts") or []:
        if artifact.get("name") == "answer":
            continue
        for part in artifact.get("parts") or []:
            filename = part.get("filename") or artifact.get("name") or "file"
            if part.get("raw"):
                files.append((filename, base64.b64decode(part["raw"])))
            elif part.get("url"):
                files.append((filename, await _download(http, base, str(part["url"]))))
    return files


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = httpx.URL(url)
    return parts.scheme, parts.host, parts.port


async def _download(http: httpx.AsyncClient, base: str, url: str) -> bytes:
    if "://" not in url or _origin(url) == _origin(base):
        response = await http.get(url if "://" in url else base + url)
    else:
        async with httpx.AsyncClient(timeout=60, trust_env=False) as anonymous:
            response = await anonymous.get(url)
    response.raise_for_status()
    return response.content


async def save_task_files(
    server: str, namespace: str, name: str, task_id: str, directory: Path, *, token: str | None
) -> tuple[list[Path], str | None]:
    """The paths saved, and what went wrong (None when nothing did)."""
    headers = {"A2A-Version": "1.0"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    base = server.rstrip("/")
    path = f"/api/a2a/{namespace}/{name}/v1/tasks/{task_id}"
    try:
        async with httpx.AsyncClient(
            base_url=base, headers=headers, timeout=60, trust_env=False
        ) as http:
            files = await _fetch(http, base, path)
    except (httpx.HTTPError, ValueError) as exc:
        return [], f"the files of task {task_id} could not be read: {exc}"
    try:
        return await asyncio.to_thread(_write, directory, files), None
    except OSError as exc:
        return [], f"the files could not be saved in {directory}: {exc}"

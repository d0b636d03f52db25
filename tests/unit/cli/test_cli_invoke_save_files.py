"""`bosun invoke --save-files`: the user's token goes to the control plane only.

Two real HTTP servers on 127.0.0.1: the control plane (answers the task, serves its own
/api/files URL) and another origin an agent's tool named in a file part.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bosun.cli.invoke_files import save_task_files


def serve(answer: dict[str, bytes], seen: list[tuple[str, str | None]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            body = answer.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers() -> Iterator[
    tuple[dict[str, bytes], dict[str, bytes], list[Any], list[Any], str, str]
]:
    plane_answers: dict[str, bytes] = {}
    other_answers: dict[str, bytes] = {}
    plane_seen: list[tuple[str, str | None]] = []
    other_seen: list[tuple[str, str | None]] = []
    plane = serve(plane_answers, plane_seen)
    other = serve(other_answers, other_seen)
    try:
        plane_url = f"http://127.0.0.1:{plane.server_port}"
        other_url = f"http://127.0.0.1:{other.server_port}"
        yield plane_answers, other_answers, plane_seen, other_seen, plane_url, other_url
    finally:
        plane.shutdown()
        other.shutdown()


async def test_a_foreign_file_url_is_fetched_without_the_users_token(
    servers: tuple[dict[str, bytes], dict[str, bytes], list[Any], list[Any], str, str],
    tmp_path: Path,
) -> None:
    plane_answers, other_answers, plane_seen, other_seen, plane_url, other_url = servers
    task = {"id": "t1", "artifacts": [
        {"name": "file-1.png", "parts": [{"url": "/api/files/f1", "filename": "own.png"}]},
        {"name": "file-2.csv", "parts": [{"url": f"{other_url}/leak", "filename": "x.csv"}]},
    ]}  # fmt: skip
    plane_answers["/api/a2a/default/helper/v1/tasks/t1"] = json.dumps(task).encode()
    plane_answers["/api/files/f1"] = b"PNG"
    other_answers["/leak"] = b"a,b"

    saved, problem = await save_task_files(
        plane_url, "default", "helper", "t1", tmp_path, token="s3cret"
    )

    assert problem is None
    assert sorted(p.name for p in saved) == ["own.png", "x.csv"]
    assert (tmp_path / "x.csv").read_bytes() == b"a,b"
    assert all(auth == "Bearer s3cret" for _, auth in plane_seen)
    assert other_seen == [("/leak", None)]

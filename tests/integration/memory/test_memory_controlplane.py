"""Memory and files through a real control plane (SQLite and PostgreSQL): the runtime with
BOSUN_URL keeps memories there, per user, reached through the A2A proxy; a tool's image
comes back as an artifact whose URL downloads it from the control plane; /api/memories
lists and deletes the caller's own."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import Conversation, McpTestServer, mcp_settings
from server_agents import register, run_agent
from server_harness import control_plane
from test_files_runtime import PNG, image_tools
from test_memory_runtime import FACT
from test_memory_runtime import SCRIPT as MEMORY_SCRIPT

from bosun.cli.invoke_files import save_task_files
from bosun.mockllm import MockLLM
from bosun.server.db import Database

SCRIPT = [
    *MEMORY_SCRIPT[:4],  # the memory tools' calls and results
    {"match": {"contains": "chart", "turn": 0}, "tool_calls": [{"name": "chart", "arguments": {}}]},
    {"match": {"turn": 1}, "text": "Here is the chart."},  # after the image (a user message)
    *MEMORY_SCRIPT[4:],
]  # fmt: skip


@pytest.mark.slow
async def test_memory_and_files_through_the_control_plane(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = McpTestServer(image_tools()).start()
    async with control_plane(database, tmp_path) as plane:
        monkeypatch.setenv("BOSUN_URL", plane.url)
        with MockLLM(SCRIPT) as llm:
            extra: dict[str, Any] = {
                "memory": {"ttl_days": 7},
                "mcp_servers": [mcp_settings(tools)],
            }
            async with run_agent(tmp_path, llm, "keeper", **extra) as url:
                await register(plane, "keeper", url)
                proxy = f"{plane.url}/api/a2a/default/keeper"
                alice = await Conversation.open(proxy, headers=plane.as_user("alice"))
                bob = await Conversation.open(proxy, headers=plane.as_user("bob"))
                try:
                    saved = await alice.send("Please remember that my favourite colour is green")
                    assert saved.final_text() == "Noted: Saved to long-term memory."
                    again = await alice.send("What is my favourite colour?")
                    assert again.context_id != saved.context_id
                    assert again.final_text() == "From memory: green."
                    assert (await bob.send("What is my favourite colour?")).final_text() == (
                        "I do not know."
                    )
                    chart = await alice.send("draw a chart")
                    # `bosun invoke --save-files DIR` reads the task through the proxy.
                    saved, problem = await save_task_files(
                        plane.url, "default", "keeper", chart.task_id, tmp_path / "out",
                        token=None,
                    )  # fmt: skip
                    assert problem is None
                    assert [p.name for p in saved] == ["file-1.png"]
                    assert saved[0].read_bytes() == PNG
                finally:
                    await alice.close()
                    await bob.close()
        tools.stop()

        listed = await plane.http.get(
            "/api/memories", params={"agent": "default/keeper"}, headers=plane.as_user("alice")
        )
        assert [m["content"] for m in listed.json()["items"]] == [FACT]
        memory = listed.json()["items"][0]
        assert memory["user_id"] == "alice" and memory["expires_at"] is not None
        bobs = await plane.http.get("/api/memories", headers=plane.as_user("bob"))
        assert bobs.json()["items"] == []
        assert (
            await plane.http.delete(f"/api/memories/{memory['id']}", headers=plane.as_user("bob"))
        ).status_code == 404

        # The tool's image: an artifact pointing at the control plane, for alice only.
        assert chart.final_text() == "Here is the chart."
        artifact = next(
            e.artifact_update.artifact
            for e in chart.events
            if e.HasField("artifact_update") and e.artifact_update.artifact.name == "file-1.png"
        )
        link = artifact.parts[0].url
        assert link.startswith("/api/files/") and artifact.parts[0].media_type == "image/png"
        download = await plane.http.get(link, headers=plane.as_user("alice"))
        assert download.status_code == 200 and download.content == PNG
        assert download.headers["content-type"] == "image/png"
        assert download.headers["content-disposition"] == 'attachment; filename="file-1.png"'
        assert (await plane.http.get(link, headers=plane.as_user("bob"))).status_code == 404
        files = await plane.http.get(
            "/api/files", params={"session_id": chart.context_id}, headers=plane.as_user("alice")
        )
        assert [f["name"] for f in files.json()["items"]] == ["file-1.png"]

        deleted = await plane.http.delete(
            "/api/memories", params={"agent": "default/keeper"}, headers=plane.as_user("alice")
        )
        assert deleted.json() == {"deleted": 1}


async def test_file_upload_limits(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_MAX_FILE_BYTES", "10")
    async with control_plane(database, tmp_path) as plane:
        body = {
            "name": "a.txt",
            "media_type": "text/plain",
            "data": base64.b64encode(b"x" * 11).decode(),
        }
        refused = await plane.http.post("/api/files", json=body, headers=plane.as_user("alice"))
        assert refused.status_code == 422 and "BOSUN_MAX_FILE_BYTES" in refused.text
        body["data"] = "not base64!"
        assert (await plane.http.post("/api/files", json=body)).status_code == 422


async def test_a_file_with_any_name_downloads(database: Database, tmp_path: Path) -> None:
    """Headers are latin-1: a Unicode name (a tool may choose any) was a 500 on download."""
    async with control_plane(database, tmp_path) as plane:
        body = {"name": "résumé 报告.pdf", "media_type": "application/pdf",
                "data": base64.b64encode(b"%PDF-1.4").decode()}  # fmt: skip
        stored = await plane.http.post("/api/files", json=body, headers=plane.as_user("alice"))
        assert stored.status_code == 201, stored.text
        got = await plane.http.get(
            f"/api/files/{stored.json()['id']}", headers=plane.as_user("alice")
        )
        assert got.status_code == 200 and got.content == b"%PDF-1.4"
        assert got.headers["content-disposition"] == (
            'attachment; filename="r_sum_ __.pdf"; '
            "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E6%8A%A5%E5%91%8A.pdf"
        )

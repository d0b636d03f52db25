"""Skills pulled from an OCI registry: a real HTTP registry on 127.0.0.1 (the edge) serving an
image index -> manifest -> two gzipped tar layers, behind an anonymous bearer challenge.

The pull unpacks the layers in order (whiteouts honoured), refuses a blob whose digest
does not match, path traversal and links leading out, and more than the size cap; plain
HTTP is used only for registries listed in BOSUN_SKILLS_INSECURE_REGISTRIES (or with
insecureSkipVerify); the init container's entry point fetches and fails naming the image;
an agent lists and loads the pulled skill."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from runtime_helpers import base_config

from bosun.mockllm import MockLLM
from bosun.runtime import skills_fetch
from bosun.runtime.skills_oci import INSECURE_REGISTRIES_ENV, OciError, fetch_oci, parse_ref

REPO = "org/k8s-skill"
TOKEN = "anonymous-pull-token"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"

SKILL_MD = b"---\nname: k8s-debug\ndescription: Debug pods that crash\n---\nRead the logs first.\n"


def digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def layer(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A gzipped tar with these files (and symlinks name -> target)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return gzip.compress(out.getvalue(), mtime=0)


@dataclass
class Registry:
    """What the fake registry serves, and what it was asked."""

    port: int = 0
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    tampered: dict[str, bytes] = field(default_factory=dict)  # digest -> other bytes served
    token_queries: list[dict[str, list[str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def ref(self, tag: str = "v1") -> str:
        return f"{self.host}/{REPO}:{tag}"

    def publish(self, tag: str, layers: list[bytes], declared: list[int] | None = None) -> str:
        """An index (arm64 first, then amd64) -> manifest -> layers, under `tag`; returns
        the amd64 manifest's digest."""
        config = b"{}"
        self.blobs[digest(config)] = config
        descriptors = []
        for i, data in enumerate(layers):
            self.blobs[digest(data)] = data
            size = declared[i] if declared else len(data)
            descriptors.append({"mediaType": TAR_GZIP, "digest": digest(data), "size": size})
        manifest = json.dumps(
            {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": descriptors,
             "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                        "digest": digest(config), "size": len(config)}}
        ).encode()  # fmt: skip
        other = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": []}).encode()
        self.manifests[digest(manifest)] = (OCI_MANIFEST, manifest)
        self.manifests[digest(other)] = (OCI_MANIFEST, other)
        index = json.dumps(
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": digest(other), "size": len(other),
                 "platform": {"os": "linux", "architecture": "arm64"}},
                {"mediaType": OCI_MANIFEST, "digest": digest(manifest), "size": len(manifest),
                 "platform": {"os": "linux", "architecture": "amd64"}},
            ]}
        ).encode()  # fmt: skip
        self.manifests[tag] = (OCI_INDEX, index)
        return digest(manifest)

    def publish_artifact(self, tag: str, layers: list[tuple[str, str, bytes]]) -> None:
        """What `oras push` makes: a manifest (no index) of (title, media type, bytes) layers."""
        descriptors = []
        for title, media, data in layers:
            self.blobs[digest(data)] = data
            annotations = {"org.opencontainers.image.title": title}
            descriptors.append({"mediaType": media, "digest": digest(data), "size": len(data),
                                "annotations": annotations})  # fmt: skip
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": descriptors,
                    "artifactType": "application/vnd.example.skill.v1"}  # fmt: skip
        self.manifests[tag] = (OCI_MANIFEST, json.dumps(manifest).encode())


def handler(registry: Registry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            registry.paths.append(url.path)
            if url.path == "/token":
                registry.token_queries.append(parse_qs(url.query))
                return self.reply(200, json.dumps({"token": TOKEN}).encode(), {})
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                challenge = (
                    f'Bearer realm="http://{registry.host}/token",service="fake-registry",'
                    f'scope="repository:{REPO}:pull"'
                )
                return self.reply(401, b"{}", {"WWW-Authenticate": challenge})
            prefix = f"/v2/{REPO}/"
            kind, _, ref = url.path.removeprefix(prefix).partition("/")
            if kind == "manifests" and ref in registry.manifests:
                media, body = registry.manifests[ref]
                return self.reply(200, body, {"Content-Type": media})
            if kind == "blobs" and ref in registry.blobs:
                body = registry.tampered.get(ref, registry.blobs[ref])
                return self.reply(200, body, {"Content-Type": "application/octet-stream"})
            self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', {})

    return Handler


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    state = Registry()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv(INSECURE_REGISTRIES_ENV, state.host)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


BASE_LAYER = layer({"SKILL.md": SKILL_MD, "scripts/old.sh": b"echo old", "notes.txt": b"draft"})
TOP_LAYER = layer({"scripts/logs.sh": b"kubectl logs --previous", ".wh.notes.txt": b""})


def test_pull_follows_the_index_and_unpacks_both_layers(registry: Registry, tmp_path: Path) -> None:
    amd64 = registry.publish("v1", [BASE_LAYER, TOP_LAYER])
    path = fetch_oci(registry.ref(), tmp_path / "skills", "k8s-skill")
    assert path == tmp_path / "skills" / "k8s-skill"
    files = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
    assert files == ["SKILL.md", "scripts/logs.sh", "scripts/old.sh"]  # notes.txt whited out
    assert (path / "SKILL.md").read_bytes() == SKILL_MD
    assert registry.token_queries == [
        {"service": ["fake-registry"], "scope": [f"repository:{REPO}:pull"]}
    ]
    by_digest = [p for p in registry.paths if "/manifests/sha256:" in p]
    assert by_digest == [f"/v2/{REPO}/manifests/{amd64}"]  # the arm64 entry is not asked
    assert not list((tmp_path / "skills").glob(".fetch-*"))  # no leftovers
    # pulled again (a new tag): replaced, not merged
    registry.publish("v2", [layer({"SKILL.md": SKILL_MD})])
    fetch_oci(registry.ref("v2"), tmp_path / "skills", "k8s-skill")
    assert [p.name for p in path.iterdir()] == ["SKILL.md"]


def test_an_oras_artifact_of_files_is_unpacked(registry: Registry, tmp_path: Path) -> None:
    oras_default = "application/vnd.oci.image.layer.v1.tar"  # what oras says even for a file
    registry.publish_artifact("v1", [
        ("SKILL.md", oras_default, SKILL_MD),
        ("scripts", TAR_GZIP, layer({"scripts/logs.sh": b"kubectl logs --previous"})),
        ("notes.txt", "text/plain", b"plain file"),
    ])  # fmt: skip
    path = fetch_oci(registry.ref(), tmp_path, "k8s-skill")
    assert (path / "SKILL.md").read_bytes() == SKILL_MD
    assert (path / "scripts" / "logs.sh").read_bytes() == b"kubectl logs --previous"
    assert (path / "notes.txt").read_bytes() == b"plain file"
    registry.publish_artifact("bad", [("../escaped.txt", "text/plain", b"x")])
    with pytest.raises(OciError, match=r"'\.\./escaped.txt' leads outside the skill"):
        fetch_oci(registry.ref("bad"), tmp_path, "k8s-skill")
    assert not list(tmp_path.rglob("escaped.txt"))


def test_a_blob_that_does_not_match_its_digest_is_refused(
    registry: Registry, tmp_path: Path
) -> None:
    registry.publish("v1", [BASE_LAYER, TOP_LAYER])
    registry.tampered[digest(TOP_LAYER)] = layer({"SKILL.md": b"evil"})
    with pytest.raises(OciError, match=rf"layer {digest(TOP_LAYER)} does not match its digest"):
        fetch_oci(registry.ref(), tmp_path / "skills", "k8s-skill")
    assert not (tmp_path / "skills" / "k8s-skill").exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (layer({"../escaped.txt": b"x"}), r"'../escaped.txt' leads outside the skill"),
        (layer({"/etc/escaped.txt": b"x"}), r"'/etc/escaped.txt' is an absolute path"),
        (layer({}, {"up": "../../escaped.txt"}), r"'up' links to '../../escaped.txt', outside"),
        (layer({}, {"abs": "/etc/passwd"}), r"'abs' links to '/etc/passwd', outside"),
        (layer({"sub/.wh...": b""}), r"'sub/.wh...' is not a whiteout of a file"),
        # a link to a directory inside, then a link through it climbing out
        (layer({}, {"here": ".", "here/here/out": "../../.."}), r"'here/here/out' links to"),
    ],
    ids=[
        "dotdot",
        "absolute",
        "symlink-up",
        "symlink-absolute",
        "whiteout-dotdot",
        "symlink-through-link",
    ],
)
def test_paths_leading_out_of_the_skill_are_refused(
    registry: Registry, tmp_path: Path, bad: bytes, message: str
) -> None:
    registry.publish("v1", [BASE_LAYER, bad])
    with pytest.raises(OciError, match=message):
        fetch_oci(registry.ref(), tmp_path / "deep" / "skills", "k8s-skill")
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not (tmp_path / "deep" / "skills" / "k8s-skill").exists()


def test_the_size_cap_holds_for_downloads_and_for_unpacked_bytes(
    registry: Registry, tmp_path: Path
) -> None:
    bomb = layer({"SKILL.md": SKILL_MD, "zeros.bin": bytes(300_000)})  # ~ 1 KB gzipped
    registry.publish("bomb", [bomb])
    with pytest.raises(OciError, match=r"the unpacked image is larger than 100000 bytes"):
        fetch_oci(registry.ref("bomb"), tmp_path, "k8s-skill", max_bytes=100_000)
    big = layer({"SKILL.md": SKILL_MD, "random.bin": random.Random(0).randbytes(150_000)})
    registry.publish("big", [big], declared=[10])  # the manifest understates its size
    with pytest.raises(OciError, match=r"the image is larger than 100000 bytes"):
        fetch_oci(registry.ref("big"), tmp_path, "k8s-skill", max_bytes=100_000)
    registry.publish("declared", [big])
    with pytest.raises(OciError, match=rf"layer {digest(big)} is larger than"):
        fetch_oci(registry.ref("declared"), tmp_path, "k8s-skill", max_bytes=100_000)
    fetch_oci(registry.ref("bomb"), tmp_path, "k8s-skill", max_bytes=400_000)


def test_plain_http_only_when_the_registry_is_listed_or_insecure(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.publish("v1", [BASE_LAYER])
    monkeypatch.delenv(INSECURE_REGISTRIES_ENV)
    with pytest.raises(OciError, match=rf"cannot reach https://{registry.host} .*"
                       rf"must be listed in {INSECURE_REGISTRIES_ENV}"):  # fmt: skip
        fetch_oci(registry.ref(), tmp_path, "k8s-skill", timeout=5)
    assert registry.paths == []  # nothing was asked in plain HTTP
    fetch_oci(registry.ref(), tmp_path, "k8s-skill", insecure=True, timeout=5)  # kagent's flag
    assert (tmp_path / "k8s-skill" / "SKILL.md").is_file()


def test_a_missing_tag_and_bad_references_are_named(registry: Registry, tmp_path: Path) -> None:
    registry.publish("v1", [BASE_LAYER])
    with pytest.raises(OciError, match=rf"the registry has no {REPO}:nope"):
        fetch_oci(registry.ref("nope"), tmp_path, "k8s-skill")
    with pytest.raises(OciError, match="is not an image reference"):
        fetch_oci("ghcr.io/Org/UPPER:v1", tmp_path, "x")
    hub = parse_ref("python:3.11")
    assert (hub.host, hub.repository, hub.reference) == ("registry-1.docker.io", "library/python",
                                                         "3.11")  # fmt: skip
    pinned = parse_ref(f"localhost:5000/a/b@sha256:{'0' * 64}")
    assert (pinned.host, pinned.repository, pinned.tag) == ("localhost:5000", "a/b", None)


def test_the_init_container_fetches_and_fails_naming_the_image(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.publish("v1", [BASE_LAYER, TOP_LAYER])
    skills = {"directory": str(tmp_path / "skills"), "paths": [str(tmp_path / "skills")],
              "oci": [{"ref": registry.ref(), "name": "k8s-skill"}]}  # fmt: skip
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    with MockLLM([{"default": True, "text": "ok"}]) as llm:
        (config_dir / "config.json").write_text(json.dumps(base_config(llm, skills=skills)))
        assert skills_fetch.main(["--config", str(config_dir)]) == 0
        assert (tmp_path / "skills" / "k8s-skill" / "scripts" / "logs.sh").is_file()
        skills["oci"] = [{"ref": registry.ref("gone"), "name": "k8s-skill"}]
        (config_dir / "config.json").write_text(json.dumps(base_config(llm, skills=skills)))
        assert skills_fetch.main(["--config", str(config_dir)]) == 1
    err = capsys.readouterr().err
    assert f"skills-fetch: spec.skills.refs[0]: skills from image {registry.ref('gone')}: " in err
    # the image of the old ref is not left there as if it were the new one
    assert not (tmp_path / "skills" / "k8s-skill").exists()


SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "which skills", "turn": 0},
     "tool_calls": [{"name": "list_skills", "arguments": {}}]},
    {"match": {"tool_result": "list_skills"}, "text": "Skills: {{last_tool_result}}"},
    {"match": {"contains": "crash", "turn": 0},
     "tool_calls": [{"name": "load_skill", "arguments": {"name": "k8s-debug"}}]},
    {"match": {"tool_result": "load_skill"},
     "tool_calls": [{"name": "read_skill_file",
                     "arguments": {"name": "k8s-debug", "path": "scripts/logs.sh"}}]},
    {"match": {"tool_result": "read_skill_file"}, "text": "Run: {{last_tool_result}}"},
    {"default": True, "text": "{{system}}"},
]  # fmt: skip


@pytest.mark.slow  # starts an agent (about 2 s)
async def test_an_agent_lists_and_loads_a_skill_pulled_from_a_registry(
    registry: Registry, start_agent: Any, connect: Any, tmp_path: Path
) -> None:
    registry.publish("v1", [BASE_LAYER, TOP_LAYER])
    skills = {"directory": str(tmp_path / "fetched"), "paths": [],
              "oci": [{"ref": registry.ref(), "name": "k8s-skill"}]}  # fmt: skip
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm, skills=skills))
        conv = await connect(agent.url)
        system = (await conv.send("hello")).final_text()
        assert "- k8s-debug: Debug pods that crash" in system
        listed = (await conv.send("which skills do you have?")).final_text()
        assert '"name":"k8s-debug"' in listed
        used = await conv.send("my pod keeps crashing")
        assert used.final_text() == "Run: kubectl logs --previous"
        loaded = next(r for r in used.data("tool_result") if r["name"] == "load_skill")
        assert loaded["result"]["instructions"] == "Read the logs first.\n"
        assert loaded["result"]["files"] == ["scripts/logs.sh", "scripts/old.sh"]
    assert (tmp_path / "fetched" / "k8s-skill" / "SKILL.md").is_file()

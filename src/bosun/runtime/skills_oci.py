"""Pulling a skill packaged as an OCI image or artifact, without a container runtime.

Called by skills_fetch.py (the `skills-fetch` init container, and local mode at start) for
config.json's `skills.oci`. Speaks the OCI distribution API with httpx: the manifest (an
image index is followed to its linux/amd64 entry, else its first), then every layer blob,
whose sha256 must match its descriptor. Layers are unpacked in order into the skill
directory: tar and tar+gzip ones (OCI whiteouts honoured, a later layer replaces what an
earlier one put there), and a layer of any other type with an
`org.opencontainers.image.title` annotation (how `oras push` stores a file) becomes that
file. Refused, with a message naming the layer: members with absolute paths or `..`,
links leading outside the skill, zstd layers, and more than `max_bytes` (50 MiB) downloaded
or unpacked for one skill.

Auth is anonymous: a registry's bearer challenge (`WWW-Authenticate: Bearer realm=...`) is
answered with an anonymous token; kagent's `spec.skills` names no registry credentials.
Always HTTPS, except for hosts listed in BOSUN_SKILLS_INSECURE_REGISTRIES (plain HTTP:
tests, a local registry) and with `insecure` (kagent's insecureSkipVerify: TLS not
verified, plain HTTP when HTTPS cannot connect).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

MAX_SKILL_BYTES = 50 * 1024 * 1024
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
TIMEOUT = 60.0
INSECURE_REGISTRIES_ENV = "BOSUN_SKILLS_INSECURE_REGISTRIES"

_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ACCEPT = ", ".join([_OCI_INDEX, _OCI_MANIFEST, _DOCKER_LIST, _DOCKER_MANIFEST])
_TITLE = "org.opencontainers.image.title"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^\w[\w.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class OciError(RuntimeError):
    """The image cannot be pulled or unpacked; the message says why."""


@dataclass(frozen=True)
class ImageRef:
    registry: str  # as written; docker.io for Docker Hub
    repository: str
    tag: str | None
    digest: str | None

    @property
    def reference(self) -> str:
        return self.digest or self.tag or "latest"

    @property
    def host(self) -> str:
        return "registry-1.docker.io" if self.registry == "docker.io" else self.registry


def parse_ref(ref: str) -> ImageRef:
    """`[registry/]repository[:tag][@sha256:...]`, with Docker's defaults (docker.io, latest)."""
    rest, _, digest = ref.strip().partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "docker.io", rest
    tag = None
    if ":" in path.rsplit("/", 1)[-1]:
        path, _, tag = path.rpartition(":")
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    if not _NAME.match(path) or (tag is not None and not _TAG.match(tag)):
        raise OciError(f"{ref!r} is not an image reference ([registry/]repository[:tag])")
    if digest and not _DIGEST.match(digest):
        raise OciError(f"{ref!r}: only sha256 digests are supported")
    return ImageRef(registry=registry, repository=path, tag=tag, digest=digest or None)


def insecure_registries() -> set[str]:
    return {h for h in re.split(r"[,\s]+", os.environ.get(INSECURE_REGISTRIES_ENV, "")) if h}


def _too_big(what: str, cap: int) -> OciError:
    limit = f"{cap // 1048576} MiB" if cap % 1048576 == 0 else f"{cap} bytes"
    return OciError(f"{what} is larger than {limit}, the most one skill may have")


class _Registry:
    """One repository on one registry: GETs with the bearer token the registry asks for."""

    def __init__(self, client: httpx.Client, image: ImageRef, scheme: str) -> None:
        self.client, self.image, self.scheme = client, image, scheme
        self.token: str | None = None

    def get(self, path: str, accept: str) -> httpx.Response:
        """A streamed response with a 2xx status (the caller closes it)."""
        for attempt in range(2):
            headers = {"Accept": accept}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            response = self.client.send(
                self.client.build_request("GET", path, headers=headers), stream=True
            )
            if response.status_code == 401 and attempt == 0 and self.token is None:
                challenge = response.headers.get("www-authenticate", "")
                response.close()
                self.token = self._anonymous_token(challenge)
                continue
            if response.status_code >= 400:
                response.close()
                raise OciError(self._refused(path, response.status_code))
            return response
        raise OciError(f"{path}: refused with the registry's own token (status 401)")

    def _refused(self, path: str, status: int) -> str:
        what = "the image" if "/manifests/" in path else "a layer"
        if status in (401, 403):
            return (
                f"the registry refused {what} (status {status}): the image is private? "
                "Bosun pulls skill images anonymously"
            )
        if status == 404:
            return f"the registry has no {self.image.repository}:{self.image.reference} ({path})"
        return f"the registry answered {status} for {path}"

    def _anonymous_token(self, challenge: str) -> str:
        scheme, _, params = challenge.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise OciError(
                f"the registry asks for {scheme or 'unnamed'} credentials; Bosun pulls skill "
                "images anonymously"
            )
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        realm = fields.get("realm", "")
        if not realm.startswith("https://") and not (
            self.scheme == "http" and realm.startswith("http://")
        ):
            raise OciError(f"the registry's token service {realm!r} is not an https:// URL")
        query = {"scope": fields.get("scope") or f"repository:{self.image.repository}:pull"}
        if fields.get("service"):
            query["service"] = fields["service"]
        answer = self.client.get(realm, params=query)
        if answer.status_code != 200:
            raise OciError(
                f"the token service {realm} answered {answer.status_code}: the image is private "
                "or does not exist (Bosun pulls skill images anonymously)"
            )
        try:
            body = answer.json()
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise OciError(f"the token service {realm} gave no token")
        return token

    def manifest(self, reference: str) -> dict[str, Any]:
        path = f"/v2/{self.image.repository}/manifests/{reference}"
        with closing(self.get(path, ACCEPT)) as response:
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_MANIFEST_BYTES:
                    raise OciError(f"the manifest {reference} is larger than 4 MiB")
            media = response.headers.get("content-type", "").split(";")[0].strip()
        if reference.startswith("sha256:") and _sha256(bytes(data)) != reference:
            raise OciError(f"the manifest {reference} does not match its digest")
        try:
            doc = json.loads(data)
        except ValueError:
            raise OciError(f"the manifest {reference} is not JSON") from None
        if not isinstance(doc, dict):
            raise OciError(f"the manifest {reference} is not a JSON object")
        doc.setdefault("mediaType", media)
        return doc

    def blob(self, layer: dict[str, Any], out: IO[bytes], budget: int, cap: int) -> int:
        """Download a layer into `out`, checking its digest; returns its size."""
        digest = str(layer.get("digest", ""))
        if not _DIGEST.match(digest):
            raise OciError(f"layer digest {digest!r} is not a sha256 digest")
        if isinstance(layer.get("size"), int) and layer["size"] > budget:
            raise _too_big(f"layer {digest}", cap)
        hasher, size = hashlib.sha256(), 0
        with closing(self.get(f"/v2/{self.image.repository}/blobs/{digest}", "*/*")) as response:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > budget:
                    raise _too_big("the image", cap)
                hasher.update(chunk)
                out.write(chunk)
        if f"sha256:{hasher.hexdigest()}" != digest:
            raise OciError(
                f"layer {digest} does not match its digest (the download is "
                f"sha256:{hasher.hexdigest()}): corrupted, or not the content the manifest names"
            )
        return size


def _sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def _pick(index: dict[str, Any]) -> str:
    manifests = [m for m in index.get("manifests") or [] if isinstance(m, dict)]
    if not manifests:
        raise OciError("the image index lists no manifests")
    for m in manifests:
        platform = m.get("platform") or {}
        if platform.get("os") == "linux" and platform.get("architecture") == "amd64":
            return str(m.get("digest", ""))
    return str(manifests[0].get("digest", ""))


def _inside(root: Path, path: str | Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def _member_path(name: str, digest: str) -> str | None:
    """The member's normalized relative path; None for the archive's root entry."""
    if name.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", name):
        raise OciError(f"layer {digest}: {name!r} is an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise OciError(f"layer {digest}: {name!r} leads outside the skill (..)")
    return "/".join(parts) or None


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _extract_tar(tar: tarfile.TarFile, root: Path, digest: str, budget: int, cap: int) -> int:
    used = 0
    for member in tar:
        name = _member_path(member.name, digest)
        if name is None or member.isdev() or member.isfifo():
            continue  # the root entry; devices and pipes are nothing a skill needs
        target = root / name
        if not _inside(root, target.parent):
            raise OciError(f"layer {digest}: {member.name!r} is written through a link outside")
        if target.name == ".wh..wh..opq":  # opaque whiteout: the directory starts empty
            for child in list(target.parent.iterdir()) if target.parent.is_dir() else []:
                _remove(child)
            continue
        if target.name.startswith(".wh."):  # whiteout: an earlier layer's file is deleted
            if target.name[4:] in ("", ".", ".."):
                raise OciError(f"layer {digest}: {member.name!r} is not a whiteout of a file")
            _remove(target.parent / target.name[4:])
            continue
        if member.issym():
            link = member.linkname
            if os.path.isabs(link) or not _inside(root, target.parent / link):
                raise OciError(f"layer {digest}: {member.name!r} links to {link!r}, outside")
        elif member.islnk():
            linked = _member_path(member.linkname, digest)
            if linked is None or not _inside(root, root / linked):
                raise OciError(f"layer {digest}: {member.name!r} links outside the skill")
        used += member.size if member.isfile() else 0
        if used > budget:
            raise _too_big("the unpacked image", cap)
        if target.is_symlink() or (target.exists() and not (member.isdir() and target.is_dir())):
            _remove(target)  # replaced, never written through
        member.name = name
        tar.extract(member, root, filter="data")
    return used


def _is_tar(blob: Path) -> bool:
    try:
        with tarfile.open(blob, "r:*"):
            return True
    except tarfile.TarError:
        return False


def _unpack(blob: Path, root: Path, layer: dict[str, Any], budget: int, cap: int) -> int:
    digest = str(layer.get("digest"))
    media = str(layer.get("mediaType") or "")
    title = (layer.get("annotations") or {}).get(_TITLE)
    if media.endswith(("+zstd", ".zstd")):
        raise OciError(f"layer {digest} is zstd-compressed ({media}); use gzip or none")
    base = media.removesuffix("+gzip").removesuffix(".gzip")
    # `oras push` of one file says tar (oras's default media type) but is not one
    if not title or (base.endswith("tar") and _is_tar(blob)):
        try:
            with tarfile.open(blob, "r:*") as tar:
                return _extract_tar(tar, root, digest, budget, cap)
        except tarfile.ReadError as exc:
            kind = media or "no media type"
            raise OciError(f"layer {digest} ({kind}) is not a tar archive: {exc}") from None
        except tarfile.TarError as exc:  # a broken archive, or the data filter's refusal
            raise OciError(f"layer {digest}: {exc}") from None
    name = _member_path(str(title), digest)
    if name is None or not _inside(root, (root / name).parent):
        raise OciError(f"layer {digest}: title {title!r} is not a file name")
    size = blob.stat().st_size
    if size > budget:
        raise _too_big("the unpacked image", cap)
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    _remove(root / name)
    shutil.copyfile(blob, root / name)
    return size


def _links(root: Path) -> Iterator[Path]:
    for directory, dirs, files in os.walk(root):
        for entry in (*dirs, *files):
            if os.path.islink(os.path.join(directory, entry)):
                yield Path(directory, entry)


def _pull(registry: _Registry, root: Path, work: Path, cap: int) -> None:
    doc = registry.manifest(registry.image.reference)
    if doc.get("mediaType") in (_OCI_INDEX, _DOCKER_LIST) or "manifests" in doc:
        doc = registry.manifest(_pick(doc))
    layers = doc.get("layers")
    if not isinstance(layers, list) or doc.get("schemaVersion") != 2:
        raise OciError(f"not an image manifest (media type {doc.get('mediaType') or 'none'})")
    if not layers:
        raise OciError("the image has no layers")
    downloaded = unpacked = 0
    for i, layer in enumerate(layers):
        blob = work / f"layer-{i}"
        with blob.open("wb") as out:
            downloaded += registry.blob(layer, out, cap - downloaded, cap)
        unpacked += _unpack(blob, root, layer, cap - unpacked, cap)
        blob.unlink()
    for link in _links(root):  # a later layer can make an earlier link point elsewhere
        if not _inside(root, link):
            raise OciError(f"{link.relative_to(root)} links outside the skill")


def fetch_oci(
    ref: str,
    directory: Path,
    name: str,
    *,
    insecure: bool = False,
    max_bytes: int = MAX_SKILL_BYTES,
    timeout: float = TIMEOUT,
) -> Path:
    """Pull image `ref` into directory/<name> (replacing it); returns that path."""
    image = parse_ref(ref)
    plain = image.host in insecure_registries()
    attempts = [("http", True)] if plain else [("https", not insecure)]
    if insecure and not plain:
        attempts.append(("http", True))  # kagent's insecureSkipVerify allows plain HTTP
    target = directory / name
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".fetch-") as tmp:
        root = Path(tmp) / "root"
        for i, (scheme, verify) in enumerate(attempts):
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            try:
                with httpx.Client(
                    base_url=f"{scheme}://{image.host}",
                    verify=verify,
                    timeout=timeout,
                    follow_redirects=True,  # blobs are often served from a CDN
                ) as client:
                    _pull(_Registry(client, image, scheme), root, Path(tmp), max_bytes)
                break
            except httpx.ConnectError as exc:
                if i + 1 < len(attempts):
                    continue
                hint = "" if scheme == "http" else (
                    f"; a registry served over plain HTTP must be listed in "
                    f"{INSECURE_REGISTRIES_ENV}"
                )  # fmt: skip
                raise OciError(f"cannot reach {scheme}://{image.host} ({exc}){hint}") from None
            except httpx.TimeoutException:
                raise OciError(f"{image.host} did not answer within {timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise OciError(f"{image.host}: {exc}") from None
        if target.exists() or target.is_symlink():
            _remove(target)
        shutil.move(str(root), target)
    return target

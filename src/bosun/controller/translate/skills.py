"""An Agent's `spec.skills` as config.json's `skills` and the pod wiring that brings them.

Called by `build_config`. Sources:

- `configMapRefs[i]`: the ConfigMap (one skill: each key a file, SKILL.md required) is
  mounted read-only at /skills/<name>. Missing, or without SKILL.md: an error naming
  `spec.skills.configMapRefs[i].name` (the Agent is not Accepted).
- `gitRefs[i]`: fetched before the agent starts by an init container running the same
  image (`python -m bosun.runtime.skills_fetch`, git over HTTPS or SSH, the token from
  `gitAuthSecretRef`'s `token` key) into an emptyDir at /skills/<name>. A failed fetch
  leaves `spec.skills.gitRefs[i]: why` as the container's termination message
  (terminationMessagePolicy FallbackToLogsOnError), which the operator puts in Ready.
  A URL that is not https://, http://, ssh:// or git@host:path is an error naming
  `spec.skills.gitRefs[i].url`.
- `refs[i]` (OCI images or artifacts, kagent): pulled by the same init container (the OCI
  distribution API, anonymous, no container runtime) into /skills/<the repository's last
  path segment>; `insecureSkipVerify` lets it skip TLS verification and use plain HTTP. A
  string that is not an image reference, or a name used twice, is an error naming
  `spec.skills.refs[i]`.
- `localPaths`: passed as they are (local mode, where the agent runs on this machine).
"""

from __future__ import annotations

import re
from typing import Any

from bosun.api.agent import Agent
from bosun.api.config import GitSkillSource, OciSkillSource, SkillsSettings
from bosun.controller.translate.errors import Errors, ref_name
from bosun.controller.translate.interface import References
from bosun.controller.translate.wiring import PodWiring

SKILLS_DIR = "/skills"
SKILLS_VOLUME = "skills"
GIT_TOKEN_ENV = "BOSUN_SKILLS_GIT_TOKEN"
_GIT_URL = re.compile(r"^(https?://|ssh://|git@[^:/\s]+:)\S+$")
_DIR_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")
_PATH_PART = r"[a-z0-9]+(?:[._-]+[a-z0-9]+)*"
_IMAGE_REF = re.compile(
    rf"^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?{_PATH_PART}(?:/{_PATH_PART})*"
    r"(?::\w[\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$"
)


def _repo_name(url: str) -> str:
    tail = url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return tail.removesuffix(".git") or "skills"


def _image_name(ref: str) -> str:
    """ghcr.io/org/skill-k8s:v1 -> skill-k8s (the directory under /skills)."""
    return ref.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]


def build_skills(
    agent: Agent, refs: References, errors: Errors, wiring: PodWiring
) -> SkillsSettings | None:
    spec = agent.spec.skills
    if spec is None:
        return None
    ns = agent.namespace
    paths: list[str] = []
    used: set[str] = set()
    cm_mounts: list[dict[str, Any]] = []  # mounted after /skills itself (mount order)
    for i, cm in enumerate(spec.config_map_refs):
        path = f"spec.skills.configMapRefs[{i}].name"
        data = refs.config_maps.get((ns, cm.name))
        if data is None:
            errors.not_found(path, "ConfigMap", ns, cm.name)
            continue
        if "SKILL.md" not in data:
            errors.add(path, f"{ref_name('ConfigMap', ns, cm.name)} has no SKILL.md key")
            continue
        used.add(cm.name)
        volume = f"skill-{i}"
        wiring.volumes.append({"name": volume, "configMap": {"name": cm.name}})
        cm_mounts.append({"name": volume, "mountPath": f"{SKILLS_DIR}/{cm.name}", "readOnly": True})
    git: list[GitSkillSource] = []
    for i, repo in enumerate(spec.git_refs):
        if not _GIT_URL.match(repo.url):
            errors.add(
                f"spec.skills.gitRefs[{i}].url",
                f"{repo.url!r} is not a git URL (https://, ssh:// or git@host:path)",
            )
            continue
        name = repo.name or _repo_name(repo.url)
        if not _DIR_NAME.match(name) or name in used:
            errors.add(
                f"spec.skills.gitRefs[{i}].name",
                f"{name!r} is not a usable directory name under {SKILLS_DIR} (or is used twice)",
            )
            continue
        used.add(name)
        git.append(GitSkillSource(url=repo.url, ref=repo.ref, path=repo.path, name=name))
    oci: list[OciSkillSource] = []
    for i, image in enumerate(spec.refs):
        if not _IMAGE_REF.match(image):
            errors.add(
                f"spec.skills.refs[{i}]",
                f"{image!r} is not an image reference ([registry/]repository[:tag][@sha256:...])",
            )
            continue
        name = _image_name(image)
        if not _DIR_NAME.match(name) or name in used:
            errors.add(
                f"spec.skills.refs[{i}]",
                f"{name!r} is not a usable directory name under {SKILLS_DIR} (or is used twice)",
            )
            continue
        used.add(name)
        oci.append(OciSkillSource(ref=image, name=name))
    token_env = None
    if git or oci:
        wiring.volumes.append({"name": SKILLS_VOLUME, "emptyDir": {}})
        wiring.mounts.append({"name": SKILLS_VOLUME, "mountPath": SKILLS_DIR})
        env: list[dict[str, Any]] = []
        if spec.git_auth_secret_ref is not None:
            token_env = GIT_TOKEN_ENV
            secret = spec.git_auth_secret_ref.name
            env.append(
                {"name": GIT_TOKEN_ENV,
                 "valueFrom": {"secretKeyRef": {"name": secret, "key": "token"}}}
            )  # fmt: skip
        wiring.init_containers.append(
            {
                "name": "skills-fetch",
                "command": ["python", "-m", "bosun.runtime.skills_fetch"],
                "args": ["--config", "/config"],
                "env": env,
                "volumeMounts": [{"name": SKILLS_VOLUME, "mountPath": SKILLS_DIR}],
                # skills_fetch writes the failing fields to /dev/termination-log, where
                # the operator reads them for the Agent's Ready condition (kube/pods.py);
                # should it die before that, the log's tail is the message instead.
                "terminationMessagePolicy": "FallbackToLogsOnError",
            }
        )
    wiring.mounts.extend(cm_mounts)
    if spec.config_map_refs or git or oci:
        paths.append(SKILLS_DIR)
    paths.extend(spec.local_paths)
    return SkillsSettings(
        directory=SKILLS_DIR,
        paths=paths,
        git=git,
        git_token_env=token_env,
        oci=oci,
        oci_insecure=spec.insecure_skip_verify and bool(oci),
    )

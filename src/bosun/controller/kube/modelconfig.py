"""Reconcile one ModelConfig: validate, resolve its Secrets, write secretHash and Accepted.

`status.secretHash` is a sha256 over the referenced Secrets' per-key content hashes (never
the data). It changes when a key is rotated; the Agents using the ModelConfig are
re-reconciled by the dependency index at the same time, and the translator folds the same
content hashes into their config hash, which rolls their pods.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import ValidationError

from bosun.api.modelconfig import ModelConfig
from bosun.controller.kube.agent import invalid_spec_message
from bosun.controller.kube.context import Controller
from bosun.controller.kube.status import ACCEPTED, Cond, build_status
from bosun.controller.translate.conversion import conversion_notes


def _secret_problems(
    ctl: Controller, mc: ModelConfig
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Problems with the referenced Secrets, and their content hashes by name."""
    ns = mc.namespace
    wanted: list[tuple[str, str, str | None]] = []  # (field path, secret name, key)
    if mc.spec.api_key_secret:
        wanted.append(("spec.apiKeySecret", mc.spec.api_key_secret, mc.spec.api_key_secret_key))
    tls = mc.spec.tls
    if tls is not None and tls.ca_cert_secret_ref:
        wanted.append(("spec.tls.caCertSecretRef", tls.ca_cert_secret_ref, tls.ca_cert_secret_key))
    problems: list[str] = []
    hashes: dict[str, dict[str, str]] = {}
    for path, secret, key in wanted:
        data = ctl.cache.secret(ns, secret)
        if data is None:
            problems.append(f'{path}: Secret "{ns}/{secret}" not found')
            continue
        if key and key not in data:
            keys = ", ".join(sorted(data)) or "none"
            problems.append(
                f'{path}: key "{key}" not found in Secret "{ns}/{secret}" (keys: {keys})'
            )
            continue
        hashes[secret] = data
    return problems, hashes


def secret_hash(hashes: dict[str, dict[str, str]]) -> str | None:
    if not hashes:
        return None
    canonical = json.dumps(hashes, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def reconcile_modelconfig(ctl: Controller, namespace: str, name: str) -> None:
    key = ("ModelConfig", namespace, name)
    body = ctl.cache.get("ModelConfig", namespace, name)
    if body is None:
        ctl.forget(key)
        return
    ctl.check_fresh(key, body)
    generation = int(body["metadata"].get("generation") or 0)
    digest: str | None = (body.get("status") or {}).get("secretHash")
    try:
        mc = ModelConfig.model_validate(body)
    except ValidationError as exc:
        accepted = Cond(ACCEPTED, False, "InvalidSpec", invalid_spec_message(exc))
    else:
        problems, hashes = _secret_problems(ctl, mc)
        if problems:
            accepted = Cond(ACCEPTED, False, "SecretNotFound", "; ".join(problems))
        else:
            digest = secret_hash(hashes)
            notes = conversion_notes(mc.metadata.annotations)  # written as kagent.dev/v1alpha1
            message = "; ".join([f"{mc.spec.provider} model {mc.spec.model}", *notes])
            accepted = Cond(ACCEPTED, True, "Accepted", message)
    status = build_status(body.get("status"), [accepted], generation, secretHash=digest)
    await ctl.write_status(body, status)

"""translate_agent: an Agent and what it references in, config.json, card and objects out.

The orchestration only; each produced object has its own builder module. Pure: callers
(operator, local mode, `bosun render`, the API's validation) hand in every reference.
"""

from __future__ import annotations

from typing import Any

from bosun.api.agent import Agent, DeclarativeDeploymentSpec, SharedDeploymentSpec
from bosun.api.base import Resource
from bosun.api.config import dump_card
from bosun.controller.translate.card import build_card
from bosun.controller.translate.config import build_config
from bosun.controller.translate.conversion import conversion_notes
from bosun.controller.translate.cycles import check_agent_chains
from bosun.controller.translate.deployment import (
    AGENT_PORT,
    agent_deployment,
    byo_deployment,
    runtime_env,
)
from bosun.controller.translate.errors import Errors
from bosun.controller.translate.gateway import controlplane_credential
from bosun.controller.translate.hashing import config_hash
from bosun.controller.translate.interface import AgentOutput, References, TranslateOptions
from bosun.controller.translate.meta import Obj, labels, owner_reference, selector
from bosun.controller.translate.secret import config_secret, config_secret_name
from bosun.controller.translate.service import check_service_name, service
from bosun.controller.translate.serviceaccount import pod_service_account
from bosun.controller.translate.wiring import PodWiring

OWNER_LABEL = "kagent.dev/agent"
GO_RUNTIME_NOTE = (
    "spec.declarative.runtime is go: Bosun has one runtime, so this agent runs on the "
    "Python runtime with the same behaviour"
)


def _user_secret_hashes(
    spec: SharedDeploymentSpec | None, agent: Agent, refs: References
) -> dict[str, str]:
    """Hashes of Secrets the user's own env reads, when known: rotating them rolls pods too.

    Unknown ones are not an error: Kubernetes reports a missing Secret on the pod.
    """
    out: dict[str, str] = {}
    for var in spec.env if spec else []:
        ref = var.value_from.secret_key_ref if var.value_from else None
        if ref is None:
            continue
        digest = refs.secrets.get((agent.namespace, ref.name), {}).get(ref.key)
        if digest is not None:
            out[f"{agent.namespace}/{ref.name}/{ref.key}"] = digest
    return out


def _check_volume_names(spec: SharedDeploymentSpec | None, ours: list[str], errors: Errors) -> None:
    """User volumes must not reuse the names of the volumes Bosun adds (config, keys ...)."""
    reserved = {"config", *ours}
    for i, volume in enumerate(spec.volumes if spec else []):
        if volume.get("name") in reserved:
            errors.add(
                f"spec.declarative.deployment.volumes[{i}].name",
                f'"{volume["name"]}" is the name of a volume Bosun adds; choose another',
            )


def runtime_objects(
    resource: Resource[Any, Any],
    lbl: dict[str, str],
    sel: dict[str, str],
    *,
    deploy: DeclarativeDeploymentSpec | None,
    wiring: PodWiring,
    config_json: str,
    card: dict[str, Any],
    config_hash: str,
    options: TranslateOptions,
) -> list[Obj]:
    """The objects of a workload that runs `bosun agent` on a config.json and card.

    ServiceAccount (unless the user names one), config Secret, Deployment and Service: a
    Declarative agent's (translate_agent) and a team's (team.translate_team), which is
    served exactly like one.
    """
    name, namespace, owner = resource.name, resource.namespace, owner_reference(resource)
    if options.controlplane_url:
        controlplane_credential(wiring)
    sa_name, objects = pod_service_account(
        name,
        namespace,
        lbl,
        owner,
        existing=deploy.service_account_name if deploy else None,
        settings=deploy.service_account_config if deploy else None,
    )
    return [
        *objects,
        config_secret(
            name, namespace, lbl, owner, config_json=config_json, card_json=dump_card(card)
        ),
        agent_deployment(
            name,
            namespace,
            lbl,
            sel,
            owner,
            spec=deploy,
            image=deploy.image if deploy and deploy.image else options.runtime_image,
            wiring=wiring,
            base_env=runtime_env(name, namespace, options.controlplane_url, options.otel_env),
            config_secret=config_secret_name(name),
            service_account=sa_name,
            config_hash=config_hash,
            default_pull_secrets=options.image_pull_secrets,
        ),
        service(name, namespace, lbl, sel, owner, port=AGENT_PORT),
    ]


def translate_agent(agent: Agent, refs: References, options: TranslateOptions) -> AgentOutput:
    """Raises TranslationFailed with every problem found."""
    errors = Errors()
    check_service_name(agent.name, "agent", errors)
    lbl = labels(agent.name, "agent", OWNER_LABEL)
    sel = selector(agent.name, OWNER_LABEL)
    owner = owner_reference(agent)
    ns = agent.namespace

    if agent.spec.byo is not None:
        byo = agent.spec.byo.deployment
        errors.raise_if_any()
        sa_name, sa_objects = pod_service_account(
            agent.name,
            ns,
            lbl,
            owner,
            existing=byo.service_account_name,
            settings=byo.service_account_config,
        )
        digest = config_hash({"byo": byo.to_wire()}, _user_secret_hashes(byo, agent, refs))
        objects = [
            *sa_objects,
            byo_deployment(
                agent.name,
                ns,
                lbl,
                sel,
                owner,
                spec=byo,
                base_env=runtime_env(agent.name, ns, options.controlplane_url, options.otel_env),
                service_account=sa_name,
                config_hash=digest,
                default_pull_secrets=options.image_pull_secrets,
            ),
            service(agent.name, ns, lbl, sel, owner, port=AGENT_PORT),
        ]
        return AgentOutput(config=None, card=None, objects=objects, config_hash=digest)

    spec = agent.spec.declarative
    assert spec is not None  # the model guarantees one of byo/declarative
    check_agent_chains(agent, refs, errors)
    result = build_config(agent, refs, options, errors)
    errors.raise_if_any()
    config = result.config
    assert config is not None  # build_config returns None only with errors
    card = build_card(agent, options)
    notes = list(result.notes)
    if spec.runtime == "go":
        notes.append(GO_RUNTIME_NOTE)
    notes += conversion_notes(agent.metadata.annotations)  # kagent.dev/v1alpha1 (conversion.py)

    deploy = spec.deployment
    _check_volume_names(deploy, [v["name"] for v in result.wiring.volumes], errors)
    errors.raise_if_any()
    config_json = config.to_json()
    secrets = {**result.wiring.secret_hashes, **_user_secret_hashes(deploy, agent, refs)}
    digest = config_hash({"config": config_json, "card": card}, secrets)
    objects = runtime_objects(
        agent,
        lbl,
        sel,
        deploy=deploy,
        wiring=result.wiring,
        config_json=config_json,
        card=card,
        config_hash=digest,
        options=options,
    )
    return AgentOutput(config=config, card=card, objects=objects, config_hash=digest, notes=notes)

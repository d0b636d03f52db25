"""Routing an agent's models through the control plane's model gateway.

Called by `model.model_settings` for each ModelConfig an agent uses. When the
ModelConfig (annotation `gateway.bosun.dev/route`) or the cluster-wide default
(`TranslateOptions.model_gateway`) routes it, the agent gets the gateway's base URL and
its own credential instead of the provider's key: a projected ServiceAccount token
(audience `bosun`) at `TOKEN_FILE`, which in local mode the supervisor provides as a file
of the agent's minted token and rewrites before it expires. The provider's Secret is then
not wired at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from bosun.api import config as cfg
from bosun.api import gateway as contract
from bosun.api.modelconfig import ModelConfig
from bosun.controller.translate.errors import Errors, ref_name
from bosun.controller.translate.wiring import PodWiring


@dataclass(frozen=True)
class GatewayRoute:
    """What routing needs to know about the agent and the environment."""

    controlplane_url: str | None
    namespace: str
    agent: str
    default: bool  # the cluster-wide default (BOSUN_MODEL_GATEWAY)


def routed_api(
    mc: ModelConfig, route: GatewayRoute | None, errors: Errors, path: str
) -> contract.GatewayApi | None:
    """The gateway API to route `mc` through, or None to reach the provider directly."""
    if route is None:
        return None
    annotations = mc.metadata.annotations
    if not contract.route_wanted(annotations, route.default):
        return None
    explicit = contract.ROUTE_ANNOTATION in annotations
    api = contract.ROUTABLE.get(mc.spec.provider)
    where = ref_name("ModelConfig", mc.namespace, mc.name)
    if api is None:
        if explicit:  # asked for by name: say why it cannot be; the default just skips it
            supported = ", ".join(contract.ROUTABLE)
            errors.add(
                path,
                f"{where}: provider {mc.spec.provider} cannot be routed through the model "
                f"gateway ({contract.ROUTE_ANNOTATION}; supported: {supported})",
            )
        return None
    return api


def through_gateway(
    settings: cfg.ModelSettings,
    mc: ModelConfig,
    route: GatewayRoute,
    api: contract.GatewayApi,
    wiring: PodWiring,
) -> cfg.ModelSettings:
    """`settings` with the gateway's URL and the agent's credential in place of the key."""
    controlplane = route.controlplane_url or contract.DEFAULT_CONTROLPLANE
    url = contract.base_url(controlplane, route.namespace, route.agent, mc.name, api)
    mount_agent_token(wiring)
    if not isinstance(settings, cfg.OpenAIModel | cfg.AnthropicModel):
        # Azure OpenAI, Ollama: the agent speaks plain OpenAI to the gateway, which knows
        # the provider's own endpoint (Azure's deployment URL, Ollama's /v1) and key.
        common = settings.model_dump(include=set(cfg.ModelBase.model_fields))
        settings = cfg.OpenAIModel.model_validate(common)
    update: dict[str, object] = {
        "base_url": url,
        "api_key_env": contract.TOKEN_ENV,
        "api_key_file": contract.TOKEN_FILE,
        "tls": None,  # the gateway speaks TLS to the provider; the agent speaks to the gateway
    }
    if isinstance(settings, cfg.OpenAIModel):
        update["organization"] = None  # the gateway sends it
    return settings.model_copy(update=update)


def mount_agent_token(wiring: PodWiring) -> None:
    """The pod's projected ServiceAccount token (audience `bosun`, rotated by the kubelet)
    at TOKEN_FILE: the agent's credential at the model gateway and the control plane.
    Local mode writes that file itself (a minted token, rotated: controller/local)."""
    if any(v["name"] == contract.TOKEN_VOLUME for v in wiring.volumes):
        return
    wiring.volumes.append(
        {
            "name": contract.TOKEN_VOLUME,
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "audience": contract.AUDIENCE,
                            "expirationSeconds": contract.TOKEN_SECONDS,
                            "path": "token",
                        }
                    }
                ]
            },
        }
    )
    wiring.mounts.append(
        {"name": contract.TOKEN_VOLUME, "mountPath": contract.TOKEN_DIR, "readOnly": True}
    )


def controlplane_credential(wiring: PodWiring) -> None:
    """An agent or team pod that talks to the control plane (sessions, files, memories,
    other agents through the A2A proxy) sends its ServiceAccount token there."""
    mount_agent_token(wiring)
    if not wiring.has_env(contract.CONTROLPLANE_TOKEN_FILE_ENV):
        wiring.literal_env(contract.CONTROLPLANE_TOKEN_FILE_ENV, contract.TOKEN_FILE)

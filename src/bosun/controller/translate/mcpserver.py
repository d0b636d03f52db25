"""translate_mcpserver: an MCPServer in, Deployment, Service, ServiceAccount, Role(Binding) out.

http transport: the image runs as is and serves MCP on its port. stdio transport: the
container runs `bosun mcp-bridge --port PORT -- CMD ARGS`, Bosun's stdio -> Streamable
HTTP bridge that keeps one warm child per replica. With no image and cmd npx/uvx, the
MCP runner image (node, uv and bosun inside) is used; a custom image for a stdio server
must contain the `bosun` command.
"""

from __future__ import annotations

from bosun.api.mcpserver import MCPServer, MCPServerDeployment
from bosun.controller.translate.deployment import (
    deployment,
    merge_env,
    otel_env,
    pull_secrets,
    restrict,
)
from bosun.controller.translate.errors import Errors
from bosun.controller.translate.hashing import config_hash
from bosun.controller.translate.interface import MCPServerOutput, References, TranslateOptions
from bosun.controller.translate.meta import (
    CONFIG_HASH_ANNOTATION,
    Obj,
    labels,
    metadata,
    owner_reference,
    selector,
)
from bosun.controller.translate.service import check_service_name, service
from bosun.controller.translate.serviceaccount import pod_service_account
from bosun.controller.translate.tools import mcp_server_url

OWNER_LABEL = "kagent.dev/mcpserver"
MCP_RESOURCES: Obj = {
    "requests": {"cpu": "50m", "memory": "128Mi"},
    "limits": {"memory": "512Mi"},
}


def _container(server: MCPServer, options: TranslateOptions) -> Obj:
    spec = server.spec
    d = spec.deployment
    container: Obj = {"name": "mcp-server"}
    if spec.transport_type == "stdio":
        container["image"] = d.image or options.mcp_runner_image
        container["command"] = ["bosun"]
        container["args"] = ["mcp-bridge", "--port", str(d.port), "--", d.cmd or "", *d.args]
        port = d.port
    else:
        container["image"] = d.image
        if d.cmd:
            container["command"] = [d.cmd]
        if d.args:
            container["args"] = list(d.args)
        transport = spec.http_transport
        port = transport.target_port if transport and transport.target_port else d.port
    container["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    # The operator's OpenTelemetry settings, as agent pods get them: the bridge and any
    # server built on an OTel SDK export to the same collector under their own name.
    env = merge_env(otel_env(server.name, server.namespace, options.otel_env), d.env)
    if env:
        container["env"] = env
    env_from = [{"secretRef": {"name": s.name}} for s in d.secret_refs]
    env_from += [{"configMapRef": {"name": c.name}} for c in d.config_map_refs]
    if env_from:
        container["envFrom"] = env_from
    if d.volume_mounts:
        container["volumeMounts"] = list(d.volume_mounts)
    if spec.transport_type == "stdio":
        # The bridge answers /healthz only once its child finished the MCP handshake;
        # not a liveness probe: it is 503 while the bridge restarts a crashed child.
        probe: Obj = {"httpGet": {"path": "/healthz", "port": "http"}}
    else:
        probe = {"tcpSocket": {"port": "http"}}
    container["readinessProbe"] = probe | {"periodSeconds": 5}
    container["resources"] = d.resources or MCP_RESOURCES
    if d.security_context:
        container["securityContext"] = d.security_context
    return container


def _hash_inputs(
    server: MCPServer, d: MCPServerDeployment, refs: References, errors: Errors
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """ConfigMap data and Secret hashes the pods read; missing envFrom sources are errors."""
    ns = server.namespace
    config_maps: dict[str, dict[str, str]] = {}
    secrets: dict[str, str] = {}
    for i, ref in enumerate(d.secret_refs):
        data = refs.secrets.get((ns, ref.name))
        if data is None:
            errors.not_found(f"spec.deployment.secretRefs[{i}]", "Secret", ns, ref.name)
            continue
        secrets.update({f"{ns}/{ref.name}/{k}": v for k, v in data.items()})
    for i, ref in enumerate(d.config_map_refs):
        cm = refs.config_maps.get((ns, ref.name))
        if cm is None:
            errors.not_found(f"spec.deployment.configMapRefs[{i}]", "ConfigMap", ns, ref.name)
            continue
        config_maps[ref.name] = dict(cm)
    for var in d.env:
        key_ref = var.value_from.secret_key_ref if var.value_from else None
        if key_ref is not None:
            digest = refs.secrets.get((ns, key_ref.name), {}).get(key_ref.key)
            if digest is not None:
                secrets[f"{ns}/{key_ref.name}/{key_ref.key}"] = digest
    return config_maps, secrets


def _rbac(server: MCPServer, sa_name: str, lbl: dict[str, str], owner: Obj | None) -> list[Obj]:
    rbac = server.spec.deployment.rbac
    if rbac is None or not rbac.rules:
        return []
    meta = metadata(server.name, server.namespace, lbl, owner)
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": meta,
            "rules": [r.model_dump(by_alias=True, exclude_none=True) for r in rbac.rules],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(server.name, server.namespace, lbl, owner),
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": server.name,
            },
            "subjects": [
                {"kind": "ServiceAccount", "name": sa_name, "namespace": server.namespace}
            ],
        },
    ]


def translate_mcpserver(
    server: MCPServer, refs: References, options: TranslateOptions
) -> MCPServerOutput:
    """Raises TranslationFailed with every problem found."""
    errors = Errors()
    spec = server.spec
    d = spec.deployment
    check_service_name(server.name, "server", errors)
    if spec.transport_type == "stdio" and not d.cmd:
        errors.add("spec.deployment.cmd", "transport stdio needs cmd: the bridge starts it")
    config_maps, secrets = _hash_inputs(server, d, refs, errors)
    errors.raise_if_any()

    ns = server.namespace
    lbl = labels(server.name, "mcp-server", OWNER_LABEL)
    sel = selector(server.name, OWNER_LABEL)
    owner = owner_reference(server)
    digest = config_hash({"spec": spec.to_wire(), "configMaps": config_maps}, secrets)
    sa_name, objects = pod_service_account(
        server.name, ns, lbl, owner, existing=d.service_account_name, settings=d.service_account
    )
    objects += _rbac(server, sa_name, lbl, owner)
    # MCPServer's deployment block has no imagePullSecrets (kmcp's neither): the
    # operator's (the chart's imagePullSecrets) are what a private registry needs.
    pod_spec: Obj = {"serviceAccountName": sa_name, **pull_secrets([], options.image_pull_secrets)}
    if d.volumes:
        pod_spec["volumes"] = list(d.volumes)
    container = _container(server, options)
    if spec.transport_type == "stdio" and not d.image and not d.security_context:
        restrict(pod_spec, [container])  # the runner image, whose user is not root
    objects.append(
        deployment(
            server.name,
            ns,
            lbl,
            sel,
            owner,
            replicas=d.replicas if d.replicas is not None else 1,
            container=container,
            pod_spec=pod_spec,
            pod_annotations={CONFIG_HASH_ANNOTATION: digest},
        )
    )
    objects.append(service(server.name, ns, lbl, sel, owner, port=d.port))
    return MCPServerOutput(objects=objects, url=mcp_server_url(server, options), config_hash=digest)

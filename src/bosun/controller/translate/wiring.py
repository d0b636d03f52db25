"""What a pod needs besides config.json: env vars from Secrets, mounted files, secret hashes.

The config builders (model, tools, prompt) add to one `PodWiring` while they write
config.json; the Deployment builder turns it into env, volumes and mounts, and the config
hash folds in `secret_hashes` so that rotating a referenced Secret rolls the pods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bosun.api.config import TLSSettings
from bosun.api.modelconfig import TLSConfig
from bosun.controller.translate.errors import Errors, ref_name
from bosun.controller.translate.interface import References

Obj = dict[str, Any]


@dataclass
class PodWiring:
    env: list[Obj] = field(default_factory=list)
    volumes: list[Obj] = field(default_factory=list)
    mounts: list[Obj] = field(default_factory=list)
    secret_hashes: dict[str, str] = field(default_factory=dict)  # "ns/name/key" -> sha256
    init_containers: list[Obj] = field(default_factory=list)  # image and config mount added

    def has_env(self, name: str) -> bool:
        return any(e["name"] == name for e in self.env)

    def literal_env(self, name: str, value: str) -> None:
        self.env.append({"name": name, "value": value})

    def secret_env(self, name: str, secret: str, key: str) -> None:
        self.env.append({"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})

    def config_map_env(self, name: str, config_map: str, key: str) -> None:
        self.env.append(
            {"name": name, "valueFrom": {"configMapKeyRef": {"name": config_map, "key": key}}}
        )

    def secret_file(self, volume: str, secret: str, key: str, directory: str, file: str) -> str:
        """Mount one key of a Secret as `directory/file` (read-only); returns the path."""
        if not any(v["name"] == volume for v in self.volumes):
            self.volumes.append(
                {
                    "name": volume,
                    "secret": {"secretName": secret, "items": [{"key": key, "path": file}]},
                }
            )
            self.mounts.append({"name": volume, "mountPath": directory, "readOnly": True})
        return f"{directory}/{file}"


def _key_value(
    kind: str,
    found: dict[tuple[str, str], dict[str, str]],
    errors: Errors,
    *,
    path: str,
    namespace: str,
    name: str,
    key: str,
    why: str,
) -> str | None:
    """One key of a referenced Secret or ConfigMap, or None (and an error naming the keys)."""
    data = found.get((namespace, name))
    if data is None:
        errors.not_found(path, kind, namespace, name, why)
        return None
    value = data.get(key)
    if value is None:
        known = ", ".join(sorted(data)) or "none"
        errors.add(
            path,
            f'{ref_name(kind, namespace, name)} has no key "{key}" ({why}; keys: {known})',
            (kind, namespace, name),
        )
    return value


def secret_key_hash(
    refs: References,
    errors: Errors,
    *,
    path: str,
    namespace: str,
    name: str,
    key: str,
    why: str,
    wiring: PodWiring | None = None,
) -> str | None:
    """The content hash of a Secret's key, or None (and an error) when either is missing.

    With `wiring`, the hash is recorded for the config hash.
    """
    digest = _key_value(
        "Secret", refs.secrets, errors, path=path, namespace=namespace, name=name, key=key, why=why
    )
    if digest is not None and wiring is not None:
        wiring.secret_hashes[f"{namespace}/{name}/{key}"] = digest
    return digest


def secret_key_file(
    refs: References,
    errors: Errors,
    wiring: PodWiring,
    *,
    path: str,
    namespace: str,
    name: str,
    key: str,
    why: str,
    volume: str,
    directory: str,
    file: str,
) -> str | None:
    """Mount a referenced Secret's key as `directory/file`: its path, or None (and an error).

    The config builders call this for every credential or CA the runtime reads from a file
    (a Secret's value never goes into config.json); the key's hash goes to the config hash.
    """
    found = secret_key_hash(
        refs, errors, path=path, namespace=namespace, name=name, key=key, why=why, wiring=wiring
    )
    if found is None:
        return None
    return wiring.secret_file(volume, name, key, directory, file)


def tls_settings(tls: TLSConfig, ca_file: str | None) -> TLSSettings:
    """config.json's TLS settings of a ModelConfig's or RemoteMCPServer's `tls` block.

    `ca_file` is where `secret_key_file` mounted the block's caCertSecretRef, if anywhere.
    """
    return TLSSettings(
        disable_verify=tls.disable_verify,
        ca_cert_file=ca_file,
        disable_system_cas=tls.disable_system_cas,
    )


def config_map_value(
    refs: References,
    errors: Errors,
    *,
    path: str,
    namespace: str,
    name: str,
    key: str,
    why: str,
) -> str | None:
    """A ConfigMap key's text (ConfigMaps are handed in with their data), or None + error."""
    return _key_value(
        "ConfigMap",
        refs.config_maps,
        errors,
        path=path,
        namespace=namespace,
        name=name,
        key=key,
        why=why,
    )

"""Push notifications: webhook configs kept with the task, and their delivery.

Given to the a2a-sdk request handler by `bosun.runtime.service`:

- `PushConfigStore` (an a2a-sdk PushNotificationConfigStore) keeps each task's configs in
  memory and in the task's session in the store, as session events
  `{"kind": "push_configs", "task_id", "configs": [TaskPushNotificationConfig JSON]}`
  (the last one for a task wins), so they survive a restart whichever backend is used.
  A config registered with the first message, before the task is stored, is written when
  the task store first saves the task (`task_saved`). What authenticates the deliveries
  (`token`, `authentication.credentials`) is never stored in clear: `ConfigSealer` takes
  it out of the stored JSON and keeps it Fernet-encrypted in `bosunSealed`, under the key
  in BOSUN_PUSH_KEY or else a key file in the agent's data dir (`push-configs.key`, mode
  0600, made on first use). A config whose sealed part cannot be opened (the key changed)
  is dropped when read back, and logged.
- `WebhookSender` (an a2a-sdk PushNotificationSender) POSTs each task update (the A2A
  StreamResponse JSON: `{"statusUpdate": ...}`, `{"task": ...}`, `{"artifactUpdate": ...}`;
  streamed answer chunks are left out, the last chunk is sent) to every config of the
  task, in order, off the turn's path (one queue per task). The receiver verifies the
  sender with what it chose when registering: `token` comes back as the header
  `X-A2A-Notification-Token`, and `authentication` (`scheme` + `credentials`) as
  `Authorization: <scheme> <credentials>`. Transport errors, 408, 429 and 5xx are retried
  with backoff (RETRY_DELAYS); other answers are final.
- `validate_url` refuses webhook URLs that are not http(s) or that resolve to loopback,
  link-local, private, shared or reserved addresses (cloud metadata, cluster services),
  at registration and again before each delivery. BOSUN_PUSH_ALLOWED_NETWORKS (comma-
  separated CIDRs, e.g. `127.0.0.1/32,10.0.0.0/8`) allows such addresses on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import socket
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from a2a.server.context import ServerCallContext
from a2a.server.tasks import PushNotificationConfigStore, PushNotificationSender
from a2a.server.tasks.push_notification_config_store import normalize_push_notification_config
from a2a.server.tasks.push_notification_sender import PushNotificationEvent
from a2a.types import Task, TaskArtifactUpdateEvent, TaskPushNotificationConfig
from a2a.utils.proto_utils import to_stream_response
from google.protobuf import json_format

from bosun.runtime.sessions import Sessions
from bosun.runtime.store import StoreError, default_data_dir

log = logging.getLogger("bosun.runtime.push")

EVENT_KIND = "push_configs"
ALLOWED_NETWORKS_ENV = "BOSUN_PUSH_ALLOWED_NETWORKS"
RETRY_DELAYS = (0.5, 2.0, 8.0)
"""Seconds before each retry of a failed delivery (then it is given up, and logged)."""
DELIVERY_TIMEOUT = 10.0
TOKEN_HEADER = "X-A2A-Notification-Token"
KEY_ENV = "BOSUN_PUSH_KEY"
KEY_FILE = "push-configs.key"
SEALED = "bosunSealed"
_RETRIED_STATUS = {408, 429}


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = os.environ.get(ALLOWED_NETWORKS_ENV, "")
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                log.warning("%s: %r is not a network; ignored", ALLOWED_NETWORKS_ENV, item)
    return networks


def _blocked(address: str, allowed: list[Any]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    if any(ip in network for network in allowed):
        return False
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


async def validate_url(url: str) -> bool:
    """Whether a webhook URL may be called (see the module docstring)."""
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        return False
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parsed.hostname, port, type=socket.SOCK_STREAM
        )
    except OSError:
        return False  # unresolvable: fail closed
    allowed = allowed_networks()
    try:
        return bool(infos) and not any(_blocked(str(i[4][0]), allowed) for i in infos)
    except ValueError:
        return False


def _config_json(config: TaskPushNotificationConfig) -> dict[str, Any]:
    data: dict[str, Any] = json_format.MessageToDict(config)
    return data


class ConfigSealer:
    """Keeps a config's token and credentials out of what is stored (module docstring)."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self._fernet: Any = None

    def _box(self) -> Any:
        if self._fernet is None:
            from cryptography.fernet import Fernet  # not on the start path of `bosun agent`

            key = os.environ.get(KEY_ENV, "").strip().encode() or self._key_file()
            self._fernet = Fernet(key)
        return self._fernet

    def _key_file(self) -> bytes:
        from cryptography.fernet import Fernet

        path = self.key_dir / KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # O_EXCL: one of two racers writes
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(Fernet.generate_key())
        return path.read_bytes().strip()

    def seal(self, config: TaskPushNotificationConfig) -> dict[str, Any]:
        """The config's JSON to store: no token or credentials in clear."""
        data = _config_json(config)
        secret = {"token": data.pop("token", "")}
        auth = data.get("authentication")
        if isinstance(auth, dict):
            secret["credentials"] = auth.pop("credentials", "")
        if any(secret.values()):
            try:
                data[SEALED] = self._box().encrypt(json.dumps(secret).encode()).decode()
            except (OSError, ValueError) as exc:  # no key: stored without them, never in clear
                log.error("push config %s: token and credentials not stored: %s", config.id, exc)
        return data

    def open(self, data: dict[str, Any]) -> TaskPushNotificationConfig | None:
        """The config stored as `data` (None: its sealed part cannot be opened)."""
        data = dict(data)
        sealed = data.pop(SEALED, None)
        if isinstance(sealed, str):
            from cryptography.fernet import InvalidToken

            try:
                secret = json.loads(self._box().decrypt(sealed.encode()))
            except (InvalidToken, OSError, ValueError):
                return None
            if secret.get("token"):
                data["token"] = secret["token"]
            if secret.get("credentials"):
                data["authentication"] = {
                    **(data.get("authentication") or {}),
                    "credentials": secret["credentials"],
                }
        config = TaskPushNotificationConfig()
        json_format.ParseDict(data, config, ignore_unknown_fields=True)
        return config


def _key_dir(sessions: Sessions) -> Path:
    """The agent's data dir: where the store keeps its journal of running tasks."""
    journal = getattr(sessions.backend, "journal", None)
    directory = getattr(journal, "directory", None)
    return directory.parent if isinstance(directory, Path) else default_data_dir()


class PushConfigStore(PushNotificationConfigStore):
    """Configs per task, in memory and in the task's session (module docstring).

    Users are told apart by the control plane in front of the agent (it refuses a task of
    another user before forwarding), so configs are per task, not per caller here.
    """

    def __init__(
        self,
        sessions: Sessions,
        *,
        context_of: Callable[[str], Awaitable[str | None]],
        restored: Callable[[str], bool],
        sealer: ConfigSealer | None = None,
    ) -> None:
        self.sessions = sessions
        self.sealer = sealer or ConfigSealer(_key_dir(sessions))
        self._context_of = context_of  # task id -> its contextId, from the task store
        self._restored = restored  # was the task read back from the store (an older process)?
        self._configs: dict[str, dict[str, TaskPushNotificationConfig]] = {}
        self._unsaved: set[str] = set()  # tasks whose configs wait for the task to be stored

    async def _load(self, task_id: str) -> dict[str, TaskPushNotificationConfig]:
        known = self._configs.get(task_id)
        if known is not None:
            return known
        found: dict[str, TaskPushNotificationConfig] = {}
        if self._restored(task_id):  # only a task from before a restart can have stored ones
            context = await self._context_of(task_id)
            try:
                events = await self.sessions.backend.events(context) if context else []
            except StoreError as exc:
                log.error("task %s: push configs not read: %s", task_id, exc)
                return found  # not cached: read again next time
            for event in events:
                if event.get("kind") == EVENT_KIND and event.get("task_id") == task_id:
                    found = {}
                    for raw in event.get("configs") or []:
                        config = self.sealer.open(raw) if isinstance(raw, dict) else None
                        if config is None:
                            log.error(
                                "task %s: a push config is dropped: it was sealed with "
                                "another key (%s or %s changed)",
                                task_id, KEY_ENV, KEY_FILE,
                            )  # fmt: skip
                            continue
                        found[config.id] = config
        self._configs[task_id] = found
        return found

    async def _save(self, task_id: str, context_id: str | None = None) -> None:
        context = context_id or await self._context_of(task_id)
        if not context:
            self._unsaved.add(task_id)  # the first message's config: the task is not stored yet
            return
        configs = [self.sealer.seal(c) for c in self._configs.get(task_id, {}).values()]
        event = {"kind": EVENT_KIND, "task_id": task_id, "configs": configs}
        try:
            await self.sessions.append_event(context, event)
        except StoreError as exc:
            log.error("task %s: push configs not persisted: %s", task_id, exc)
            self._unsaved.add(task_id)
            return
        self._unsaved.discard(task_id)

    async def task_saved(self, task: Task) -> None:
        """Called by the task store after each save: write configs that waited for it."""
        if task.id in self._unsaved:
            await self._save(task.id, task.context_id)

    async def set_info(
        self,
        task_id: str,
        notification_config: TaskPushNotificationConfig,
        context: ServerCallContext,
    ) -> TaskPushNotificationConfig:
        config = normalize_push_notification_config(task_id, notification_config)
        configs = await self._load(task_id)
        configs[config.id] = config
        await self._save(task_id)
        return config

    async def get_info(
        self, task_id: str, context: ServerCallContext
    ) -> list[TaskPushNotificationConfig]:
        return list((await self._load(task_id)).values())

    async def get_info_for_dispatch(self, task_id: str) -> list[TaskPushNotificationConfig]:
        return list((await self._load(task_id)).values())

    async def delete_info(
        self, task_id: str, context: ServerCallContext, config_id: str | None = None
    ) -> None:
        configs = await self._load(task_id)
        if config_id is None:
            configs.clear()
        else:
            configs.pop(config_id, None)
        await self._save(task_id)


def _worth_sending(event: PushNotificationEvent) -> bool:
    # Token-by-token answer chunks would be one webhook call each; the last one carries
    # the whole answer.
    if isinstance(event, TaskArtifactUpdateEvent):
        return bool(event.last_chunk) or not event.append
    return True


class WebhookSender(PushNotificationSender):
    """Delivers task updates to the task's webhooks, in order, with retries."""

    def __init__(
        self,
        store: PushConfigStore,
        *,
        http: httpx.AsyncClient | None = None,
        retry_delays: tuple[float, ...] | None = None,
    ) -> None:
        self.store = store
        self._http = http
        self.retry_delays = RETRY_DELAYS if retry_delays is None else retry_delays
        self._queues: dict[
            str, asyncio.Queue[tuple[TaskPushNotificationConfig, dict[str, Any]]]
        ] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            # No redirects: a redirect could lead the call to an address validate_url refused.
            self._http = httpx.AsyncClient(timeout=DELIVERY_TIMEOUT, follow_redirects=False)
        return self._http

    async def send_notification(self, task_id: str, event: PushNotificationEvent) -> None:
        if not _worth_sending(event):
            return
        configs = await self.store.get_info_for_dispatch(task_id)
        if not configs:
            return
        body: dict[str, Any] = json_format.MessageToDict(to_stream_response(event))
        queue = self._queues.get(task_id)
        if queue is None:
            queue = self._queues[task_id] = asyncio.Queue()
            self._workers[task_id] = asyncio.create_task(
                self._work(task_id, queue), name=f"push:{task_id}"
            )
        for config in configs:
            queue.put_nowait((config, body))

    async def _work(self, task_id: str, queue: asyncio.Queue[Any]) -> None:
        try:
            while True:
                try:
                    config, body = await asyncio.wait_for(queue.get(), timeout=30.0)
                except TimeoutError:
                    return  # idle: a new update starts a new worker
                await self.deliver(config, body)
        finally:
            self._queues.pop(task_id, None)
            self._workers.pop(task_id, None)

    async def deliver(self, config: TaskPushNotificationConfig, body: dict[str, Any]) -> bool:
        """POST one update to one webhook, retrying transient failures; True if delivered."""
        if not await validate_url(config.url):
            log.warning(
                "task %s: webhook %s refused (address not allowed)", config.task_id, config.url
            )
            return False
        headers = {"Content-Type": "application/json"}
        if config.token:
            headers[TOKEN_HEADER] = config.token
        if config.HasField("authentication") and config.authentication.credentials:
            scheme = config.authentication.scheme or "Bearer"
            headers["Authorization"] = f"{scheme} {config.authentication.credentials}"
        for attempt in range(len(self.retry_delays) + 1):
            if attempt:
                await asyncio.sleep(self.retry_delays[attempt - 1])
            try:
                response = await self._client().post(config.url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                why = type(exc).__name__
            else:
                if response.status_code < 300:
                    return True
                why = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code not in _RETRIED_STATUS:
                    break
            log.info("task %s: webhook %s failed (%s)", config.task_id, config.url, why)
        log.warning("task %s: webhook %s not delivered: %s", config.task_id, config.url, why)
        return False

    async def close(self) -> None:
        for worker in list(self._workers.values()):
            worker.cancel()
            with contextlib.suppress(BaseException):
                await worker
        if self._http is not None:
            await self._http.aclose()

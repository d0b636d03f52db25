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
  in BOSUN_PUSH_KEY, else the one the control plane derives for this agent when it
  stores through one (`push_key`: a replaced pod gets the same key), else a key file in
  the agent's data dir (`push-configs.key`, mode 0600, made on first use). While the
  control plane does not answer, nothing is sealed or opened (retried later, logged). A
  config whose sealed part cannot be opened (the key changed) is dropped when read back,
  and logged.
- `WebhookSender` (an a2a-sdk PushNotificationSender) POSTs each task update (the A2A
  StreamResponse JSON: `{"statusUpdate": ...}`, `{"task": ...}`, `{"artifactUpdate": ...}`;
  streamed answer chunks are left out, the last chunk is sent) to every config of the
  task, in order, off the turn's path (one queue per task). The receiver verifies the
  sender with what it chose when registering: `token` comes back as the header
  `X-A2A-Notification-Token`, and `authentication` (`scheme` + `credentials`) as
  `Authorization: <scheme> <credentials>`. Transport errors, 408, 429 and 5xx are retried
  with backoff (RETRY_DELAYS); other answers are final.
- `validate_url` (`push_address`) refuses webhook URLs that are not http(s) or that
  resolve to loopback, link-local, private, shared or reserved addresses (cloud metadata,
  cluster services), at registration and again before each delivery attempt, which then
  connects to the checked address (no second DNS lookup: no rebinding).
  BOSUN_PUSH_ALLOWED_NETWORKS (comma-separated CIDRs, e.g. `127.0.0.1/32,10.0.0.0/8`)
  allows such addresses on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from a2a.server.context import ServerCallContext
from a2a.server.tasks import PushNotificationConfigStore, PushNotificationSender
from a2a.server.tasks.push_notification_config_store import normalize_push_notification_config
from a2a.server.tasks.push_notification_sender import PushNotificationEvent
from a2a.types import Task, TaskArtifactUpdateEvent, TaskPushNotificationConfig
from a2a.utils.errors import InternalError
from a2a.utils.proto_utils import to_stream_response
from google.protobuf import json_format

from bosun.runtime.push_address import ALLOWED_NETWORKS_ENV, Resolver, check
from bosun.runtime.push_key import KeySource, NotOffered, PushKeyError, control_plane_source
from bosun.runtime.sessions import Sessions
from bosun.runtime.store import StoreError, default_data_dir

log = logging.getLogger("bosun.runtime.push")

__all__ = ["ALLOWED_NETWORKS_ENV", "ConfigSealer", "PushConfigStore", "WebhookSender",
           "validate_url"]  # fmt: skip

EVENT_KIND = "push_configs"
RETRY_DELAYS = (0.5, 2.0, 8.0)
"""Seconds before each retry of a failed delivery (then it is given up, and logged)."""
DELIVERY_TIMEOUT = 10.0
TOKEN_HEADER = "X-A2A-Notification-Token"
KEY_ENV = "BOSUN_PUSH_KEY"
KEY_FILE = "push-configs.key"
SEALED = "bosunSealed"
_RETRIED_STATUS = {408, 429}


async def validate_url(url: str, resolve: Resolver | None = None) -> bool:
    """Whether a webhook URL may be called (see the module docstring)."""
    return await check(url, resolve) is not None


def _config_json(config: TaskPushNotificationConfig) -> dict[str, Any]:
    data: dict[str, Any] = json_format.MessageToDict(config)
    return data


class ConfigSealer:
    """Keeps a config's token and credentials out of what is stored (module docstring).

    The key: BOSUN_PUSH_KEY; else, with `remote` (the control plane, `push_key`), the
    key it derives for this agent, fetched by `prepare` (a key file left in the data dir
    by an older agent still opens what it sealed); else the key file in `key_dir`.
    """

    def __init__(self, key_dir: Path, *, remote: KeySource | None = None) -> None:
        self.key_dir = key_dir
        self.remote = remote
        self._fernet: Any = None

    async def prepare(self) -> bool:
        """Make the key ready; False (logged) when the control plane did not give it yet:
        nothing is sealed or opened then, and the next call asks again."""
        if self._fernet is not None or self.remote is None or os.environ.get(KEY_ENV):
            return True
        from cryptography.fernet import Fernet, MultiFernet

        try:
            key = await self.remote()
        except NotOffered as exc:
            log.warning("push configs: %s; sealed with %s instead", exc, KEY_FILE)
            self.remote = None
            return True
        except PushKeyError as exc:
            log.error("push configs: no sealing key yet (%s); will ask again", exc)
            return False
        boxes = [Fernet(key)]
        old = self.key_dir / KEY_FILE
        with contextlib.suppress(OSError, ValueError):
            if old.exists():
                boxes.append(Fernet(old.read_bytes().strip()))
        self._fernet = MultiFernet(boxes)
        return True

    def _box(self) -> Any:
        if self._fernet is None:
            from cryptography.fernet import Fernet  # not on the start path of `bosun agent`

            env = os.environ.get(KEY_ENV, "").strip().encode()
            if not env and self.remote is not None:
                raise OSError("the push key was not fetched from the control plane")
            self._fernet = Fernet(env or self._key_file())
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
        self.sealer = sealer or ConfigSealer(
            _key_dir(sessions), remote=control_plane_source(sessions.agent)
        )
        self._context_of = context_of  # task id -> its contextId, from the task store
        self._restored = restored  # was the task read back from the store (an older process)?
        self._configs: dict[str, dict[str, TaskPushNotificationConfig]] = {}
        self._unsaved: set[str] = set()  # tasks whose configs wait for the task to be stored

    async def _load(
        self, task_id: str, *, changing: bool = False
    ) -> dict[str, TaskPushNotificationConfig]:
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
            stored = any(
                e.get("kind") == EVENT_KIND and e.get("task_id") == task_id for e in events
            )
            if stored and not await self.sealer.prepare():
                log.error("task %s: stored push configs not opened yet (no key)", task_id)
                if changing:  # writing without them would replace them
                    raise InternalError("the task's push configs cannot be opened now; retry")
                return found  # not cached: opened next time, once the key is there
            for event in events:
                if event.get("kind") == EVENT_KIND and event.get("task_id") == task_id:
                    found = {}
                    for raw in event.get("configs") or []:
                        config = self.sealer.open(raw) if isinstance(raw, dict) else None
                        if config is None:
                            log.error(
                                "task %s: a push config is dropped: it was sealed with "
                                "another key (%s, the control plane's secret key or %s "
                                "changed)",
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
        if not await self.sealer.prepare():  # logged; kept in memory, written at next save
            log.error("task %s: push configs not persisted yet (no sealing key)", task_id)
            self._unsaved.add(task_id)
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
        configs = await self._load(task_id, changing=True)
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
        configs = await self._load(task_id, changing=True)
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
        resolve: Resolver | None = None,
    ) -> None:
        self.store = store
        self._http = http
        self.resolve = resolve  # None: the system's resolver (push_address)
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
        """POST one update to one webhook, retrying transient failures; True if delivered.

        Each attempt resolves and checks the host again and connects to the address it
        checked (push_address), so a DNS answer that changes in between is never used."""
        headers = {"Content-Type": "application/json"}
        if config.token:
            headers[TOKEN_HEADER] = config.token
        if config.HasField("authentication") and config.authentication.credentials:
            scheme = config.authentication.scheme or "Bearer"
            headers["Authorization"] = f"{scheme} {config.authentication.credentials}"
        why = ""
        for attempt in range(len(self.retry_delays) + 1):
            if attempt:
                await asyncio.sleep(self.retry_delays[attempt - 1])
            checked = await check(config.url, self.resolve)
            if checked is None:
                log.warning(
                    "task %s: webhook %s refused (address not allowed)", config.task_id, config.url
                )
                return False
            url, host, extensions = checked.pinned()
            try:
                response = await self._client().post(
                    url, json=body, headers={**headers, **host}, extensions=extensions
                )
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

"""Free TCP ports on 127.0.0.1, and a book that keeps each workload on the same port.

The supervisor asks for a workload's port before translating, because other agents'
config.json must already name it (agent-as-tool URLs); the port then stays the same for
the life of `bosun up`, across restarts of the child, so those URLs stay valid.
"""

from __future__ import annotations

import socket

LOCALHOST = "127.0.0.1"


def free_port(host: str = LOCALHOST) -> int:
    """A port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class PortBook:
    """Stable port per key; a released key's port is not reused by this book."""

    def __init__(self, host: str = LOCALHOST) -> None:
        self.host = host
        self._ports: dict[tuple[str, str, str], int] = {}

    def port(self, kind: str, namespace: str, name: str) -> int:
        key = (kind, namespace, name)
        if key not in self._ports:
            taken = set(self._ports.values())
            port = free_port(self.host)
            while port in taken:  # the kernel may hand out a port we booked but not yet bound
                port = free_port(self.host)
            self._ports[key] = port
        return self._ports[key]

    def release(self, kind: str, namespace: str, name: str) -> None:
        self._ports.pop((kind, namespace, name), None)

"""Listens where the embedded stream transport sends, as the web process would, and collects
what `core.stream.publish.publish()` sent from this process."""

import contextlib
import json
import os
import socket

from core.stream import transports
from core.stream.messages import Message


class StreamTap:
    def __init__(self):
        transports._transport_for.cache_clear()
        self.address = transports.transport().address
        self._unlink()  # a socket file left by an earlier listener would refuse the bind
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.address)
        self.sock.settimeout(0.2)

    def _unlink(self) -> None:
        if not self.address.startswith("\0"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.address)

    def messages(self) -> list[Message]:
        received = []
        while True:
            try:
                received.append(Message.decode(self.sock.recv(65536)))
            except TimeoutError:
                return received

    def events(self, name: str) -> list[dict]:
        return [json.loads(m.data_json) for m in self.messages() if m.event == name]

    def close(self) -> None:
        self.sock.close()
        self._unlink()

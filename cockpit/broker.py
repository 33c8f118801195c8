"""The embedded default's broker: kombu's filesystem transport, safe for several processes.

kombu's own transport (5.7) creates a message file or an exchange table empty and only then
locks and writes it; a process that reads it in between gets an empty file. Under load
(`make soak`) that was a JSONDecodeError in the Celery worker of `make run` as it bound its
queues while web published: the worker exited and `serve` stopped everything. Here:

- every file appears complete: it is written under a temporary name (which no reader matches)
  and renamed into place;
- an exchange table is read, changed and replaced under an exclusive lock of its own, so two
  processes binding at once never lose each other's queue;
- a consumer claims a message by renaming it into a folder on the same file system, so of
  two consumers exactly one gets it (kombu moves it to the system's temporary folder, a copy
  when that is another file system).

Selected by the broker URL `cockpitfs://` (with the same transport options as kombu's).
"""

import contextlib
import fcntl
import os
import uuid
from contextlib import contextmanager
from functools import cached_property
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem, virtual
from kombu.transport.virtual import Empty
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

SCHEME = "cockpitfs"
CLAIMED_FOLDER = ".claimed"  # inside the queue folder; no queue's file name matches it


def write_atomically(path: str, data: bytes) -> None:
    """`path` holds `data` whole, or is as it was: never a partly written file."""
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        write_atomically(os.path.join(self.data_folder_out, name), str_to_bytes(dumps(payload)))

    @cached_property
    def _claimed_folder(self) -> str:
        folder = os.path.join(self.data_folder_in, CLAIMED_FOLDER)
        os.makedirs(folder, exist_ok=True)
        return folder

    def _get(self, queue):
        wanted = f"{queue}.msg"
        claimed_folder = self._claimed_folder
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(claimed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            try:
                with open(claimed, "rb") as handle:
                    return loads(bytes_to_str(handle.read()))
            finally:
                os.unlink(claimed)
        raise Empty()

    @contextmanager
    def _table_lock(self, exchange):
        self.control_folder.mkdir(parents=True, exist_ok=True)
        lock_path = self._exchange_file(exchange).with_suffix(".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write_table(self, exchange, queues) -> None:
        write_atomically(str(self._exchange_file(exchange)), str_to_bytes(dumps(queues)))

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            queues = self.get_table(exchange)
            if entry not in queues:
                self._write_table(exchange, [entry, *queues])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            queues = self.get_table(exchange)
            if entry in queues:
                self._write_table(exchange, [q for q in queues if q != entry])


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")

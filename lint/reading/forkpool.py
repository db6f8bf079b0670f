"""Batches of work done by forked children, with nothing imported to run them.

concurrent.futures and multiprocessing cost a cold run ~17 ms of imports (their
queues, connections, reduction and resource tracker) before the first batch starts,
for what a fork gives for free here: the children already hold the batches and the
function, so the parent only tells each child which batch to do next, and reads back
the bytes it returns. Guided scheduling as before: a child that finishes a batch is
given the next one, so a slow batch does not leave the other child idle.

A child that dies (killed, out of memory) is not the end of the run: the batches it
had not returned are done in this process. Used only where `os.fork` exists; the
children never return into the caller's code (they leave with `os._exit`).
"""

from __future__ import annotations

import os
import select
import struct
from collections.abc import Callable, Sequence
from typing import Any

_INDEX = struct.Struct("<I")
_SIZE = struct.Struct("<Q")
_READ = 1 << 20


def run_forked(
    work: Callable[[Any], bytes],
    batches: Sequence[Any],
    workers: int,
    meanwhile: Callable[[], object] | None = None,
    on_done: Callable[[int], object] | None = None,
    in_child: Callable[[], object] | None = None,
) -> list[bytes]:
    """`work(batch)` for every batch, in batch order, by up to `workers` forked children.

    `meanwhile` runs in this process once every child has its first batch; `on_done`,
    with a batch's index, as each batch is done (the progress bar, lint/report/progress.py);
    `in_child`, in each child before its first batch (never here: a batch a dead child
    held is done in this process as it is).
    """
    children: dict[int, _Child] = {}  # by the fd of its results pipe
    done: dict[int, bytes] = {}
    queue = iter(range(len(batches)))
    try:
        for _ in range(min(workers, len(batches))):
            inherited = [fd for child in children.values() for fd in (child.tasks, child.results)]
            child = _Child.start(work, batches, inherited, in_child)
            children[child.results] = child
            child.give(next(queue, None))
        if meanwhile is not None:
            meanwhile()
        while children:
            ready, _, _ = select.select(list(children), [], [])
            for fd in ready:
                child = children[fd]
                alive, finished = child.read()
                if not alive:  # it died (killed, out of memory): what it held is done here
                    del children[fd]
                    child.close()
                    if child.busy is not None:
                        done[child.busy] = work(batches[child.busy])
                        if on_done is not None:
                            on_done(child.busy)
                    continue
                if finished is None:
                    continue  # more of it is on its way
                assert child.busy is not None
                done[child.busy] = finished
                if on_done is not None:
                    on_done(child.busy)
                child.give(next(queue, None))
                if child.busy is None:
                    del children[fd]
                    child.close()
    finally:
        for child in children.values():
            child.close()
    for index in queue:  # left when every child died
        done[index] = work(batches[index])
        if on_done is not None:
            on_done(index)
    return [done[i] for i in range(len(batches))]


class _Child:
    __slots__ = ("buffer", "busy", "pid", "results", "tasks")

    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results
        self.busy: int | None = None
        self.buffer = bytearray()

    @classmethod
    def start(
        cls,
        work: Callable[[Any], bytes],
        batches: Sequence[Any],
        inherited: list[int],
        in_child: Callable[[], object] | None = None,
    ) -> _Child:
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 1
            try:
                # the other children's pipe ends: held here, a child would never see
                # its task pipe close, and the parent would wait for it for ever
                for fd in (*inherited, task_write, result_read):
                    os.close(fd)
                if in_child is not None:
                    in_child()
                _serve(work, batches, task_read, result_write)
                status = 0
            finally:
                os._exit(status)  # no atexit handlers, no flushing the parent's buffers twice
        os.close(task_read)
        os.close(result_write)
        return cls(pid, task_write, result_read)

    def give(self, index: int | None) -> None:
        """The next batch to do; None: there is none, the child may leave."""
        self.busy = index
        if index is None:
            os.close(self.tasks)
            self.tasks = -1
            return
        try:
            os.write(self.tasks, _INDEX.pack(index))
        except OSError:
            pass  # it died: its results pipe says so next

    def read(self) -> tuple[bool, bytes | None]:
        """(alive, the finished batch's bytes or None while more is to come)."""
        chunk = os.read(self.results, _READ)
        if not chunk:
            return False, None
        self.buffer += chunk
        if len(self.buffer) < _SIZE.size:
            return True, None
        (size,) = _SIZE.unpack_from(self.buffer)
        end = _SIZE.size + size
        if len(self.buffer) < end:
            return True, None
        finished = bytes(self.buffer[_SIZE.size : end])
        del self.buffer[:end]
        return True, finished

    def close(self) -> None:
        for fd in (self.tasks, self.results):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.tasks = self.results = -1
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _serve(work: Callable[[Any], bytes], batches: Sequence[Any], tasks: int, results: int) -> None:
    while True:
        head = _read_exactly(tasks, _INDEX.size)
        if head is None:
            return  # no more work
        (index,) = _INDEX.unpack(head)
        blob = work(batches[index])
        view = memoryview(_SIZE.pack(len(blob)) + blob)
        while view:
            view = view[os.write(results, view) :]


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data

"""The forked children that parse a cold run's batches (lint/reading/forkpool.py)."""

from __future__ import annotations

import os
import sys

import pytest
from miglint.reading.forkpool import run_forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def _echo(batch: list[int]) -> bytes:
    return b",".join(str(n * n).encode() for n in batch)


def test_every_batch_comes_back_in_batch_order() -> None:
    batches = [
        list(range(start, start + size)) for start, size in ((0, 7), (7, 1), (8, 30), (38, 2), (40, 5))
    ]
    assert run_forked(_echo, batches, workers=2) == [_echo(b) for b in batches]


def test_more_workers_than_batches_and_no_batches() -> None:
    assert run_forked(_echo, [[3]], workers=4) == [b"9"]
    assert run_forked(_echo, [], workers=2) == []


def test_results_larger_than_a_pipe_buffer_arrive_whole() -> None:
    def big(n: int) -> bytes:
        return bytes([n]) * (3 * 1024 * 1024 + n)

    assert run_forked(big, [1, 2, 3], workers=2) == [big(1), big(2), big(3)]


def test_meanwhile_runs_once_in_this_process_while_the_children_work() -> None:
    calls: list[int] = []
    out = run_forked(_echo, [[1], [2], [3]], workers=2, meanwhile=lambda: calls.append(os.getpid()))
    assert out == [b"1", b"4", b"9"]
    assert calls == [os.getpid()]


def test_a_child_that_dies_leaves_its_batches_to_this_process() -> None:
    parent = os.getpid()

    def dies_in_a_child(batch: list[int]) -> bytes:
        if os.getpid() != parent and 13 in batch:
            os._exit(9)  # killed mid-batch, as by the OOM killer
        return _echo(batch)

    batches = [[1, 2], [13], [4], [5, 6], [7]]
    assert run_forked(dies_in_a_child, batches, workers=2) == [_echo(b) for b in batches]


def test_every_child_dying_still_gives_every_batch() -> None:
    parent = os.getpid()

    def always_dies_in_a_child(batch: list[int]) -> bytes:
        if os.getpid() != parent:
            os._exit(1)
        return _echo(batch)

    batches = [[n] for n in range(6)]
    assert run_forked(always_dies_in_a_child, batches, workers=2) == [_echo(b) for b in batches]


def test_children_are_reaped_and_leave_no_output_of_their_own(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    print("unflushed text of the parent's", end="")  # a child must not flush it a second time
    run_forked(_echo, [[1], [2], [3], [4]], workers=2)
    sys.stdout.flush()
    assert capfd.readouterr().out == "unflushed text of the parent's"
    assert len(forked) == 2
    for pid in forked:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already waited for: no zombie left


def test_on_done_hears_of_every_batch_once_in_this_process() -> None:
    seen: list[tuple[int, int]] = []
    batches = [[n] for n in range(9)]
    out = run_forked(_echo, batches, workers=2, on_done=lambda index: seen.append((index, os.getpid())))
    assert out == [_echo(b) for b in batches]
    assert sorted(index for index, _ in seen) == list(range(9))
    assert {pid for _, pid in seen} == {os.getpid()}

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


_SET_UP: list[int] = []


def _set_up_here() -> None:
    _SET_UP.append(os.getpid())


def _who_was_set_up(batch: list[int]) -> bytes:
    return b"set up" if _SET_UP == [os.getpid()] else b"not set up"


def test_in_child_runs_in_each_child_before_its_batches_and_never_here() -> None:
    out = run_forked(_who_was_set_up, [[1], [2], [3], [4]], workers=2, in_child=_set_up_here)
    assert out == [b"set up"] * 4
    assert _SET_UP == []  # this process's list: the children's appends stayed in the children


def test_a_forked_parse_worker_stops_recording_what_it_opens(tmp_path) -> None:
    """The parent witnesses the version files itself (lint/replay.py); a worker's audit
    hook and stat wrapper would only cost every open and compile of the parse."""
    from miglint import replay
    from miglint.reading import collect, forkpool  # collect imports run_forked where it uses it

    seen: list[bool] = []
    original = forkpool.run_forked

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("in_child", args[5] if len(args) > 5 else None) is replay.stop_recording)
        return original(*args, **kwargs)

    forkpool.run_forked = spy
    try:
        files = []
        for n in range(collect.PARALLEL_THRESHOLD):
            path = tmp_path / f"r{n}.py"
            path.write_text(f'revision = "r{n}"\ndown_revision = None\n')
            files.append(path)
        records = collect.collect(files, None, jobs=2)
    finally:
        forkpool.run_forked = original
    assert [r.revision.ids for r in records] == [(f"r{n}",) for n in range(collect.PARALLEL_THRESHOLD)]
    assert seen == [True]
    assert replay._OFF == [False]  # this process records on


def _recording_state(batch: list[int]) -> bytes:
    from miglint import replay

    return b"off" if replay._OFF[0] else b"on"


def test_stop_recording_turns_the_recorder_off_in_the_child_only() -> None:
    from miglint import replay

    assert run_forked(_recording_state, [[1], [2]], workers=2, in_child=replay.stop_recording) == [b"off"] * 2
    assert replay._OFF == [False]

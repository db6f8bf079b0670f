"""Writing to the terminal, and the frame of every command: without click.

`miglint lint` is the command a pre-commit hook and an editor run on every change, and
click's import (with inspect, uuid, datetime and platform, which it imports) was ~18 ms
of such a run: lint/replay.py runs a plain `lint` command line through
lint/lintcommand.py, which writes with `echo` below, not `click.echo`; the other
commands and the lint options that only click reads go through lint/cli.py.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, Callable

from .config import ConfigError

_ANSI_ESCAPE = None  # compiled on first use: most runs write no colour


def strip_ansi(text: str) -> str:
    """`text` without colour codes (click.utils.strip_ansi)."""
    global _ANSI_ESCAPE
    if _ANSI_ESCAPE is None:
        import re

        _ANSI_ESCAPE = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")
    return _ANSI_ESCAPE.sub("", text)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # not a file, or a closed one
        return False


def echo(message: Any = None, nl: bool = True, err: bool = False, color: bool | None = None) -> None:
    """click.echo for text: to stdout (stderr with `err`), colour codes stripped unless
    `color` or the stream is a terminal, flushed. Kept for lint/replay.py's memo."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # the descriptor was closed (`miglint ... >&-`)
        return
    text = "" if message is None else str(message)
    if nl:
        text += "\n"
    if text and (not color if color is not None else not _is_terminal(stream)):
        text = strip_ansi(text)
    if _recorder is not None:
        _recorder.echoed(text, err)
    if text:
        stream.write(text)
    stream.flush()


_recorder: Any = None  # lint/replay.py's, when this run may be replayed


def on_terminal() -> bool:
    """Whether stdout is a terminal; it is None when the descriptor was closed (`>&-`)."""
    return _is_terminal(sys.stdout)


def interactive() -> bool:
    """Whether a question can be asked: both stdin and stdout are a terminal."""
    return _is_terminal(sys.stdout) and _is_terminal(sys.stdin)


def split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select MG1,MG2 --select MG3` -> (MG1, MG2, MG3)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def one_line(message: str, limit: int = 500) -> str:
    """A message as one readable line: a value echoed back may be thousands of characters."""
    line = " ".join(message.split("\n"))
    if len(line) <= limit:
        return line
    keep = limit // 2 - 20
    return f"{line[:keep]} ... {line[-keep:]} ({len(line)} characters)"


def internal_error() -> None:
    """Report the exception being handled as a bug in miglint, and exit 2."""
    if os.environ.get("MIGLINT_DEBUG"):
        import traceback  # deferred: only a bug needs it, and every run would pay its import

        traceback.print_exc()
    bug = sys.exc_info()[1]
    echo(
        f"miglint: internal error: {type(bug).__name__}: {bug}\n"
        "This is a bug in miglint; run again with MIGLINT_DEBUG=1 for details and report it.",
        err=True,
    )
    sys.exit(2)


def escape_undecodable_names() -> None:
    """Print a file name that is not valid UTF-8 with escapes (`b\\udcff.py`), not crash on it.

    Python hands such a name over with its bytes as lone surrogates; a strict
    UTF-8 stream refuses them. JSON readers accept the escape as written.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream
                pass


def guarded(command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a command: configuration and usage problems exit 2 with one line on stderr,
    never a traceback."""
    escape_undecodable_names()
    try:
        return command(*args, **kwargs)
    except ConfigError as error:
        echo(f"miglint: error: {one_line(str(error))}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # `miglint ... | head`: the reader left; say nothing more (Python's documented recipe)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except SystemExit:
        raise
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO, errno.EBADF):
            internal_error()
        # the report could not be written: the disk is full, the terminal is gone
        echo(f"miglint: error: cannot write the report: {error.strerror}", err=True)
        sys.exit(2)
    except Exception as error:
        click = sys.modules.get("click")  # its own exceptions end a click command as click says
        if click is not None and isinstance(error, (click.exceptions.Exit, click.ClickException)):
            raise
        internal_error()


def run_and_exit(main: Callable[[], None]) -> None:
    """Run `main`, then exit without tearing the interpreter down.

    After the report is out, freeing tens of thousands of records object by object
    costs a run ~30 ms for nothing; like mypy, flush the output and leave.
    """
    global _recorder
    from .replay import recording

    _recorder = recording()
    try:
        main()
        status = 0
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            status = done.code or 0
        else:
            print(done.code, file=sys.stderr)
            status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the descriptor was closed (`miglint ... >&-`)
                stream.flush()
        except (OSError, ValueError):  # the reader left (`| head`), a full disk, a closed file
            status = status or 1
    if _recorder is not None:
        if "click" in sys.modules:  # something wrote past echo(): the memo would not hold it
            _recorder.foreign_output = True
        _recorder.finish(status)
    os._exit(status)

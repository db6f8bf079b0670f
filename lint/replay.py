"""A warm run served before click, the rules or discovery are imported.

`miglint lint [PATHS]` with nothing changed prints what the previous run printed. The
results cache (lint/reading/collect.py) already skips parsing and the rules, but reaching it
costs the imports of click, the pipeline and every rule module, and discovery: most of
a warm run. So a run that can be replayed leaves a memo in its cache directory: the
exact command line and what shapes the output (working directory, interpreter, the
environment variables the CLI reads, whether stdout and stderr are terminals), the
text it wrote to each stream, its exit status, and witnesses of everything it looked
at. The next identical command line reads the memo and, when every witness still
holds, writes the same text and exits with the same status; else the full run
happens (and leaves a new memo).

The witnesses are collected while the full run happens, from what it did, not from
a list kept beside the code: every path opened for reading, listed, or stat'ed in
this process (an audit hook sees opens and listings; os.stat and os.lstat are
wrapped for the run), every version file, and miglint's own modules. A regular file
or a listed directory is witnessed by its size, mtime, ctime and inode (as the
cache index does), a path that did not exist by its absence, any other directory
by its being one. A run that spawned a process leaves no memo, unless the process is
the git listing runnerfiles.find_runners asks for: its index, its ignore files and the
directories a runner could appear in are witnessed then (_git_witnesses). Nor does a run
that saw a file modified within the last RACY_NS: a change in the same clock tick
would go unseen. A memo from elsewhere (a committed cache directory) cannot match
the inodes and ctimes of a fresh checkout, and a replayed text holding control
characters other than colour codes is not written.

Only the console script's plain `lint` invocations are replayed: see `_plain`.
This module imports nothing at load time beyond what Python's start-up already has.
"""

import os
import sys

from .reading.cachedir import RACY_NS, SIGNATURE

_MEMO_FORMAT = 1
# what lint/cli.py reads, and what decides which git runs and what it reads
_ENVIRONMENT = (
    "FORCE_COLOR", "NO_COLOR", "MIGLINT_DEBUG", "PATH", "HOME", "XDG_CONFIG_HOME", "GIT_DIR", "GIT_WORK_TREE",
    "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
)  # fmt: skip
_VALUED = frozenset(
    {"--cache-dir", "--format", "--select", "--extend-select", "--ignore", "--fail-on", "--jobs", "-j"}
)
# flag -> the lint() argument it sets (--color and --no-color: `color`)
_FLAGS = {
    "--concise": "concise",
    "--exit-zero": "exit_zero",
    "--statistics": "show_statistics",
    "--no-ignore-comments": "no_ignore_comments",
    "--color": "color",
    "--no-color": "color",
    "--no-baseline-file": "no_baseline_file",
    "--no-cache": "no_cache",
}
_FORMATS = frozenset({"text", "json"})


def run() -> None:
    """The console script: a replayed run when one fits; else a plain `lint` without
    click (lint/lintcommand.py); else lint/cli.py's."""
    plain = _plain(sys.argv[1:])
    if plain is not None:
        if plain.replayable:
            _serve(plain)  # exits when it could serve
            _Recorder.start(plain)
        from .lintcommand import run_plain

        run_plain(plain.arguments)  # exits
    from .cli import run as full

    full()


# -- the command line ----------------------------------------------------------------


class _Plain:
    __slots__ = ("arguments", "argv", "cache_dir", "key", "name", "paths", "replayable")

    def __init__(
        self, argv: list, cache_dir: "str | None", paths: list, arguments: dict, replayable: bool
    ) -> None:
        self.argv = argv
        self.cache_dir = cache_dir
        self.paths = paths  # the path arguments
        self.arguments = arguments  # lint/lintcommand.py lint()'s, as click would pass them
        self.replayable = replayable  # not with --no-cache: that run reads no memo and leaves none
        streams = [sys.stdout, sys.stderr]
        self.key = [
            _MEMO_FORMAT,
            argv,
            os.getcwd(),
            sys.executable,
            sys.version,
            [os.environ.get(name) for name in _ENVIRONMENT],
            [s.isatty() for s in streams],
            [[s.encoding, s.errors] for s in streams],
        ]
        import zlib

        self.name = f"replay-{zlib.crc32(repr(self.key).encode()):08x}.json"


def _plain(argv: list) -> "_Plain | None":
    """`lint` with paths and options that only shape the report (or --no-cache), or None."""
    if not argv or argv[0] != "lint" or os.name != "posix":
        return None  # (Windows' os.path.isdir and friends probe without os.stat: unwitnessed)
    if "_MIGLINT_COMPLETE" in os.environ:
        return None  # shell completion: click answers it
    for stream in (sys.stdout, sys.stderr):
        if stream is None or (stream.encoding or "").lower().replace("-", "") != "utf8":
            return None  # click would re-wrap the stream: not what the memo holds
    cache_dir = None
    paths = []
    arguments: dict = {"select": [], "extend_select": [], "ignore": []}
    at = 1
    while at < len(argv):
        token = argv[at]
        at += 1
        if not token.startswith("-"):
            paths.append(token)
            continue
        name, has_value, value = token.partition("=")
        if has_value and not name.startswith("--"):
            return None  # `-j=2`: click reads "=2" as the value, and refuses it
        if name in _VALUED:
            if not has_value:
                if at == len(argv):
                    return None
                value = argv[at]
                at += 1
            if name == "--format" and value not in _FORMATS:
                return None  # the other formats ask git where the repository's top is
            if not _take_value(arguments, name, value):
                return None  # a value click refuses: it says why
            if name == "--cache-dir":
                cache_dir = value
        elif not has_value and token in _FLAGS:
            if token in ("--color", "--no-color"):
                arguments["color"] = token == "--color"
            else:
                arguments[_FLAGS[token]] = True
        else:
            return None  # --fix, --diff, --against, -o, --help, `--`, ...
    for name in ("select", "extend_select", "ignore"):
        arguments[name] = tuple(arguments[name])
    arguments["paths"] = tuple(paths)
    try:
        return _Plain(list(argv), cache_dir, paths, arguments, replayable=not arguments.get("no_cache"))
    except (OSError, ValueError):  # no working directory
        return None


def _take_value(arguments: dict, name: str, value: str) -> bool:
    """Keep an option's value as click would convert it; False for one click refuses."""
    if name in ("--select", "--extend-select", "--ignore"):
        arguments[name[2:].replace("-", "_")].append(value)
    elif name == "--format":
        arguments["output_format"] = value
    elif name == "--cache-dir":
        from pathlib import Path

        arguments["cache_dir"] = Path(value)
    elif name == "--fail-on":
        if value not in ("error", "warning"):
            return False
        arguments["fail_on"] = value
    else:  # --jobs, -j: an integer, at least 1
        try:
            jobs = int(value)
        except ValueError:
            return False
        if jobs < 1:
            return False
        arguments["jobs"] = jobs
    return True


def _memo_directories(plain: _Plain) -> list:
    """Where the memo would be: --cache-dir, else each .miglint_cache from here up, and from
    each path given up (a project without configuration keeps its cache beside the script
    directory it was given: `miglint lint app/migrations`)."""
    if plain.cache_dir is not None:
        return [os.path.join(plain.key[2], plain.cache_dir)]
    found: list = []
    for start in (plain.key[2], *(os.path.join(plain.key[2], p) for p in plain.paths)):
        here = os.path.normpath(start)
        while True:
            candidate = os.path.join(here, ".miglint_cache")
            if candidate not in found and os.path.isdir(candidate):
                found.append(candidate)
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
    return found


# -- serving -------------------------------------------------------------------------


def _serve(plain: _Plain) -> None:
    for directory in _memo_directories(plain):
        memo = _read_memo(directory, plain)
        if memo is None:
            continue
        stdout, stderr, status = memo
        for stream, text in ((sys.stdout, stdout), (sys.stderr, stderr)):
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):
                status = status or 1
        os._exit(status)


def _read_memo(directory: str, plain: _Plain) -> "tuple[str, str, int] | None":
    import stat

    try:
        if (
            not stat.S_ISDIR(os.lstat(directory).st_mode)
            or _read(os.path.join(directory, ".gitignore"), len(SIGNATURE)) != SIGNATURE
        ):
            return None  # not a cache directory miglint made (see collect.cache_refusal)
        import json

        memo = json.loads(_read(os.path.join(directory, plain.name)))
        if type(memo) is not dict or memo.get("key") != plain.key:
            return None
        stdout, stderr, status = memo["stdout"], memo["stderr"], memo["status"]
        if not (type(stdout) is str and type(stderr) is str and status in (0, 1)):
            return None
        for path, seen in memo["witnesses"]:
            if _witness(path, seen is not None and seen != "d" and seen[0] == "D") != seen:
                return None
    except (OSError, ValueError, TypeError, LookupError):
        return None
    color = plain.key[6]
    if not (_harmless(stdout, color[0]) and _harmless(stderr, color[1])):
        return None
    return stdout, stderr, status


def _read(path: str, limit: int = -1) -> bytes:
    """A regular file's bytes, never through a link nor from a FIFO or device."""
    import stat

    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise OSError(f"{path}: not a regular file")
        return stream.read(limit)


def _witness(path: str, listed: bool) -> "list | str | None":
    """What a path looks like now, in the terms a memo records it."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if (info.st_mode & 0o170000) == 0o040000 and not listed:
        return "d"
    return ["D" if listed else "F", info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def _harmless(text: str, terminal: bool) -> bool:
    """No control characters but newlines, tabs and (on a terminal) SGR colour codes."""
    pieces = text.split("\x1b[")
    if len(pieces) > 1 and not terminal:
        return False
    for index, piece in enumerate(pieces):
        if index:
            code, found, piece = piece.partition("m")
            if not found or code.strip("0123456789;"):
                return False
        if not piece.replace("\n", "").replace("\t", "").isprintable():
            return False
    return True


# -- recording -----------------------------------------------------------------------


class _Recorder:
    """What the full run looked at and wrote; the memo, at its end."""

    current: "_Recorder | None" = None

    def __init__(self, plain: _Plain) -> None:
        self.plain = plain
        self.paths: dict = {}  # path -> listed
        self.spawned = False  # a process this module cannot witness
        self.spawns = 0  # subprocess.Popen: git, for `note_git`'s roots, else unwitnessed
        self.git_roots: list = []
        self.foreign_output = False
        self.stdout: list = []
        self.stderr: list = []
        self.cache_dirs: set = set()

    @classmethod
    def start(cls, plain: _Plain) -> None:
        recorder = cls.current = cls(plain)
        sys.addaudithook(recorder._audit)
        for name in ("stat", "lstat"):
            original = getattr(os, name)
            setattr(os, name, recorder._wrapped(original))
        import warnings

        shown = warnings.showwarning

        def showwarning(*args, **kwargs):  # type: ignore[no-untyped-def]
            recorder.foreign_output = True  # written to stderr past click.echo
            return shown(*args, **kwargs)

        warnings.showwarning = showwarning

    def _note(self, path: object, listed: bool = False) -> None:
        if isinstance(path, (str, bytes)) or hasattr(path, "__fspath__"):
            try:
                text = os.fsdecode(path)
            except (TypeError, ValueError):
                return
            key = os.path.join(self.plain.key[2], text)
            self.paths[key] = listed or self.paths.get(key, False)

    def _audit(self, event: str, args: tuple) -> None:
        if _OFF[0]:
            return
        if event == "open":
            path, mode, flags = args
            reading = (flags & 3) == os.O_RDONLY if mode is None else not any(c in mode for c in "wax+")
            if reading:
                self._note(path)
        elif event in ("os.listdir", "os.scandir"):
            self._note(args[0] if args[0] is not None else ".", listed=True)
        elif event == "subprocess.Popen":
            self.spawns += 1
        elif event in ("os.forkpty", "os.posix_spawn", "os.exec", "os.spawn", "os.system", "os.startfile"):
            self.spawned = True  # (os.fork: the parsing pool's workers, which run miglint only)

    def _wrapped(self, original):  # type: ignore[no-untyped-def]
        def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not _OFF[0] and not isinstance(path, int):
                self._note(path)
            return original(path, *args, **kwargs)

        return stat

    def echoed(self, text: str, err: bool) -> None:
        (self.stderr if err else self.stdout).append(text)

    def finish(self, status: int) -> None:
        """Write the memo, when everything the run saw can be witnessed."""
        _OFF[0] = True
        if status not in (0, 1) or self.spawned or self.foreign_output or len(self.cache_dirs) != 1:
            return
        if self.spawns > len(self.git_roots):
            return
        (directory,) = self.cache_dirs
        if directory is None:
            return
        directory = os.path.realpath(directory)
        if directory not in [os.path.realpath(d) for d in _memo_directories(self.plain)]:
            return  # the next run would not look there
        stdout, stderr = "".join(self.stdout), "".join(self.stderr)
        color = self.plain.key[6]
        if not (_harmless(stdout, color[0]) and _harmless(stderr, color[1])):
            return
        import time

        settled_before = time.time_ns() - RACY_NS
        paths = dict(self.paths)
        for root in self.git_roots:
            if not _git_witnesses(root, paths):
                return
        # miglint's own code, imported or not (an editable checkout's reading/parse.py decides
        # what the cached records this run reported hold): every module of every one of
        # its packages, from the directories of those imported (sub-packages included)
        packages = {
            os.path.dirname(module.__file__)
            for name, module in list(sys.modules.items())
            if (name == __package__ or name.startswith(f"{__package__}."))
            and getattr(module, "__file__", None)
        }
        for package in list(packages):
            for top, subdirectories, _ in os.walk(package):
                subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
                packages.add(top)
        from .reading.collect import library_files

        for library in library_files():  # a new pglast may read the same files otherwise
            paths[library] = False
        for package in packages:
            paths[package] = True
            try:
                names = os.listdir(package)
            except OSError:
                return
            for name in names:
                if name.endswith(".py"):
                    paths[os.path.join(package, name)] = False
        witnesses = []
        inside = directory + os.sep
        for path in sorted(paths):
            normal = os.path.normpath(path)
            if normal == directory or normal.startswith(inside):
                continue  # the cache's own files change with every run
            seen = _witness(normal, paths[path])
            if type(seen) is list and max(seen[2], seen[3]) >= settled_before:
                return  # racy: a change within the same clock tick would go unseen
            witnesses.append([normal, seen])
        import json

        from .atomic import make_temporary

        memo = {
            "key": self.plain.key,
            "witnesses": witnesses,
            "stdout": stdout,
            "stderr": stderr,
            "status": status,
        }
        try:
            for old in os.listdir(directory):
                if old.startswith("replay-") and old.endswith(".json") and old != self.plain.name:
                    os.unlink(os.path.join(directory, old))  # one memo: the last command line
            handle, temporary = make_temporary(directory, ".replay-", ".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(memo, stream)
            os.replace(temporary, os.path.join(directory, self.plain.name))
        except OSError:
            pass


_OFF = [False]


def stop_recording() -> None:
    """In a forked parsing worker: what it opens is not its to witness (the parent
    witnesses every version file itself, and the child's record dies with it), and the
    audit hook and the stat wrapper cost every open, stat and compile of the parse
    (~2.5% of a cold run's CPU on open-event-server)."""
    _OFF[0] = True


def note_git(root: "os.PathLike[str]") -> None:
    """`git ls-files --cached --others --exclude-standard` is about to run in `root`."""
    recorder = recording()
    if recorder is not None:
        recorder.git_roots.append(os.fspath(root))


def _git_witnesses(root: str, paths: dict) -> bool:
    """Add what git's listing of the files below `root` depends on: its index, its
    ignore files, and every directory a runner could be added to (runnerfiles.find_runners
    never looks into the others). False when that cannot be told (a worktree's `.git`
    file, a custom excludes file)."""
    from .reading.runnerfiles import _SKIP

    top = root
    while not os.path.lexists(os.path.join(top, ".git")):  # as confine.repository_top
        parent = os.path.dirname(top)
        if parent == top:
            return False
        top = parent
    git = os.path.join(top, ".git")
    if os.path.islink(git) or not os.path.isdir(git):
        return False  # a worktree or submodule: the index is elsewhere
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    configs = [
        os.path.join(git, "config"),
        os.path.join(home, ".gitconfig"),
        os.path.join(xdg, "git", "config"),
    ]
    for config in [*configs, "/etc/gitconfig"]:
        try:
            if b"excludesfile" in _read(config).lower():
                return False  # ignore rules in a file named there: not witnessed
        except OSError:
            pass
        paths.setdefault(config, False)
    for name in ("index", os.path.join("info", "exclude")):
        paths.setdefault(os.path.join(git, name), False)
    paths.setdefault(os.path.join(xdg, "git", "ignore"), False)
    directory = root
    while True:
        paths.setdefault(os.path.join(directory, ".gitignore"), False)
        if directory == top or os.path.dirname(directory) == directory:
            break
        directory = os.path.dirname(directory)
    for directory, names, files in os.walk(root):
        names[:] = [name for name in names if name not in _SKIP and not name.startswith(".")]
        paths[directory] = True
        if ".gitignore" in files:
            paths.setdefault(os.path.join(directory, ".gitignore"), False)
    return True


def recording() -> "_Recorder | None":
    """The recorder of this run, if it may be replayed (for the CLI and the pipeline)."""
    recorder = _Recorder.current
    return None if recorder is None or _OFF[0] else recorder

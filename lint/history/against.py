"""`miglint lint --against REF`: the version files of the merge of the working tree into REF.

Two branches that each add a revision on the same parent are both clean on their own;
the second head appears only once both are merged. Linting the merge result finds it
before the merge, in pre-commit or CI.

The merge is computed the way git merges whole files, per version-file path, from three
sides: the merge base of REF and HEAD (empty when there is none), REF, and the working
tree (not HEAD: uncommitted revisions count). A side that left a path as the base had it
loses to the side that changed it; when both changed it, the working tree wins (a
content conflict is out of scope: git would stop the merge, and the working tree is what
the author is looking at), except that a file we deleted and REF changed is REF's, as in
the tree git leaves behind. REF is read with git alone, never checked out; its files are
parsed from their bytes by the same pure function as the working tree's, under a path
that says where they come from: `REF:path/from/the/repository/root`, git's own notation
(`git show origin/main:alembic/versions/abc_x.py` prints the file).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from ..config import ConfigError, Settings
from ..lazydataclass import dataclass
from ..model import RevisionFile
from ..reading.discover import Environment, excluded, is_version_file_name
from ..reading.parse import parse_revision_file
from ..reading.readfile import read_regular

_GIT_TIMEOUT = 120  # seconds; listing a tree or reading blobs takes milliseconds


@dataclass(frozen=True)
class MergeSide:
    """REF as git knows it, resolved once per run."""

    ref: str  # as the user wrote it: the prefix of every path read from it
    repo_root: Path
    commit: str
    base: str | None  # the merge base with HEAD; None when the histories share nothing


@dataclass(frozen=True)
class RefChanges:
    """What merging into REF changes in one environment's working-tree version files."""

    added: tuple[RevisionFile, ...]  # files as REF has them, parsed; paths are `REF:path`
    dropped: frozenset[str]  # working-tree files (as the records name them) REF deleted or replaced
    deleted: int  # how many of the dropped REF deleted outright
    # working-tree files (as the records name them) REF has no file at: the branch's new
    # revisions, which a PR comment draws and leaves out of REF's own heads
    only_here: frozenset[str] = frozenset()


def open_ref(ref: str, start: Path) -> MergeSide:
    """Resolve REF and its merge base with HEAD in the repository holding `start`."""
    if not ref or ref.startswith("-"):
        raise ConfigError(f"--against {ref!r}: not a git revision")
    top = _git(start, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise ConfigError(f"--against {ref}: {start} is not inside a git repository")
    root = Path(os.fsdecode(top.stdout.rstrip(b"\n")))
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise ConfigError(
            f"--against {ref}: unknown revision: no branch, tag or commit of that name "
            "in this repository (fetch it first, e.g. `git fetch origin main`)"
        )
    commit = found.stdout.decode().strip()
    return MergeSide(ref, root, commit, _merge_base(root, ref, commit))


def _merge_base(root: Path, ref: str, commit: str) -> str | None:
    # Criss-cross histories have several; git merges them into a virtual base, and
    # miglint takes the one git names first.
    found = _git(root, "merge-base", commit, "HEAD")
    if found.returncode == 0:
        return found.stdout.decode().strip()
    if found.returncode == 1 and not found.stderr.strip():
        shallow = _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true"
        if shallow:
            # the base is in history this clone does not have; guessing "none" would
            # bring back every revision file the branch deleted
            raise ConfigError(
                f"--against {ref}: no merge base with HEAD in this shallow clone; fetch more "
                "history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)"
            )
        return None  # unrelated histories: git merges them from an empty base
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        return None  # no commit yet: everything REF has is new to the working tree
    raise ConfigError(f"--against: git merge-base failed: {_first_line(found.stderr)}")


def ref_changes(env: Environment, side: MergeSide, settings: Settings, ops: bool = False) -> RefChanges:
    """REF's side of the merge for one environment: files it adds or replaces, files it deletes."""
    locations = _repository_locations(env, side.repo_root)
    if not locations:
        return RefChanges((), frozenset(), 0)  # outside the repository: REF has no say
    theirs = _version_blobs(side.repo_root, side.commit, locations, env.recursive)
    base = _version_blobs(side.repo_root, side.base, locations, env.recursive) if side.base else {}
    ours = _working_tree_files(env, locations)
    take: list[tuple[str, str]] = []  # (path, REF blob) for files REF's version wins
    dropped: set[str] = set()
    deleted = 0
    for path in sorted(set(theirs) | set(base)):
        their_blob, base_blob = theirs.get(path), base.get(path)
        if their_blob == base_blob:
            continue  # REF left it alone: the working tree's version (or absence) stands
        if excluded(side.repo_root / path, settings):
            continue
        ours_path = ours.get(path)
        our_blob = _blob_id(ours_path, len(their_blob or base_blob or "")) if ours_path else None
        if our_blob == their_blob:
            continue  # both made the same change (or both deleted it)
        if ours_path is not None and our_blob != base_blob:
            continue  # both changed it: a conflict git would stop at, and ours stands
        if ours_path is not None:
            dropped.add(str(ours_path))
        if their_blob is None:
            deleted += 1
        else:
            take.append((path, their_blob))
    contents = _read_blobs(side.repo_root, [blob for _, blob in take])
    added = tuple(
        parse_revision_file(
            # downgrade() too: MG501/MG504 compare it with upgrade(); its SQL is checked
            # only with include-downgrade (pipeline.reads_downgrade)
            f"{side.ref}:{path}",
            contents[blob],
            settings.dialect,
            ops,
            True if settings.include_downgrade else "facts",
        )
        for path, blob in take
    )
    only_here = frozenset(str(file) for path, file in ours.items() if path not in theirs)
    return RefChanges(added, frozenset(dropped), deleted, only_here)


def _repository_locations(env: Environment, root: Path) -> dict[Path, str]:
    """Each version location inside the repository -> its path from the repository root."""
    real_root = root.resolve()
    found = {}
    for location in env.version_locations:
        try:
            found[location] = location.resolve().relative_to(real_root).as_posix()
        except ValueError:
            continue  # a location outside the repository (a package resource elsewhere)
    return found


def _working_tree_files(env: Environment, locations: Mapping[Path, str]) -> dict[str, Path]:
    """The environment's version files by their path from the repository root."""
    found: dict[str, Path] = {}
    for file in env.files:
        for location, relative in locations.items():
            try:
                inside = file.relative_to(location)
            except ValueError:
                continue
            found[(PurePosixPath(relative) / inside.as_posix()).as_posix()] = file
            break
    return found


def _version_blobs(root: Path, commit: str, locations: Mapping[Path, str], recursive: bool) -> dict[str, str]:
    """The files of `commit` Alembic would load from the locations: path -> blob id."""
    listed = _git(root, "ls-tree", "-r", "-z", commit, "--", *locations.values())
    if listed.returncode != 0:
        raise ConfigError(f"--against: git ls-tree failed: {_first_line(listed.stderr)}")
    directories = [PurePosixPath(d) for d in locations.values()]
    blobs = {}
    for entry in listed.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, blob = meta.decode().split(" ")
        # a symbolic link's blob is its target's name, not a version file: not read
        if kind != "blob" or mode == "120000":
            continue
        path = PurePosixPath(os.fsdecode(raw_path))
        if is_version_file_name(path.name) and any(
            _loaded_from(path, directory, recursive) for directory in directories
        ):
            blobs[path.as_posix()] = blob
    return blobs


def _loaded_from(path: PurePosixPath, directory: PurePosixPath, recursive: bool) -> bool:
    """Whether Alembic loads `path` from a version location at `directory`."""
    if path.parent == directory:
        return True
    return (
        recursive and directory in path.parents and not _in_pycache(path.parent.relative_to(directory).parts)
    )


def _in_pycache(parts: Sequence[str]) -> bool:
    return any(part.endswith("__pycache__") for part in parts)


def _blob_id(path: Path, id_length: int) -> str | None:
    """The id git would give the file's bytes (sha1, or sha256 in a sha256 repository).

    A checkout filter (autocrlf, smudge) makes it differ from the committed blob; the
    file then counts as changed in the working tree, and its version is the one kept.
    """
    try:
        data = read_regular(path)
    except OSError:
        return None
    digest = hashlib.sha256() if id_length == 64 else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def _read_blobs(root: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    """Blob id -> content, every blob in one `git cat-file --batch`."""
    if not blobs:
        return {}
    done = _git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blobs).encode())
    if done.returncode != 0:
        raise ConfigError(f"--against: git cat-file failed: {_first_line(done.stderr)}")
    out, data, at = {}, done.stdout, 0
    for blob in blobs:
        end = data.index(b"\n", at)
        header = data[at:end].decode().split(" ")
        if len(header) != 3:  # "<id> missing": a shallow or partial clone without it
            raise ConfigError(f"--against: git cannot read blob {blob} (a shallow or partial clone?)")
        size = int(header[2])
        out[blob] = data[end + 1 : end + 1 + size]
        at = end + 1 + size + 1  # the content is followed by a newline
    return out


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args], input=stdin, capture_output=True, timeout=_GIT_TIMEOUT
        )
    except FileNotFoundError:
        raise ConfigError("--against needs git, which is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"--against: git {args[0]} did not finish in {_GIT_TIMEOUT} s") from None
    except OSError as error:
        raise ConfigError(f"--against: cannot run git: {error.strerror or error}") from None


def _first_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else "no message"

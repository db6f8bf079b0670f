"""REF's own history, for `--against REF`: what the rules on deployed history compare with.

`lint/history/against.py` builds the graph the merge would have. Whether the checkout rewrites
history that REF already has needs REF's side on its own: every revision REF holds
(MG122: one that is gone, or whose id changed), REF's heads (MG123: a new revision
forking off below them), and for revisions whose file differs between REF and the
checkout, each side's `upgrade()` (MG121). A file whose bytes are the same on both
sides is not read again: the checkout's record stands for REF's.

`upgrade()` is compared as Python's syntax tree (`ast.dump` without positions), which
leaves out comments, blank lines, indentation, line breaks and quote styles; a leading
docstring is dropped too. `upgrade_<engine>()` functions (Alembic's multidb template)
count as part of it.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping, Sequence

from ..config import Settings
from ..lazydataclass import dataclass, field
from ..model import RevisionFile, Span
from ..reading.discover import Environment, excluded
from ..reading.parse import parse_revision_file
from ..reading.readfile import read_regular
from .against import (
    MergeSide,
    _blob_id,
    _read_blobs,
    _repository_locations,
    _version_blobs,
    _working_tree_files,
)


@dataclass(frozen=True)
class RefRevision:
    """A revision as REF has it."""

    id: str
    path: str  # `REF:path/from/the/repository/root`
    span: Span  # its `revision` value in REF's file
    parents: tuple[str, ...]  # down_revision


@dataclass(frozen=True)
class Upgrades:
    """One revision's `upgrade()` on both sides, where its file differs between them."""

    ref: str | None  # digest of REF's normalised upgrade(); None when REF's file does not parse
    here: str | None  # the checkout's
    # the merge base's, at REF's path; None when the base has no such file or it does not parse
    base: str | None
    line: int  # the checkout's `def upgrade` line (its `revision` line when it has none)
    ref_line: int


@dataclass(frozen=True)
class RefHistory:
    ref: str
    revisions: Mapping[str, RefRevision]
    heads: tuple[str, ...]
    upgrades: Mapping[str, Upgrades] = field(default_factory=dict)
    # REF's revision id -> (the checkout's file at REF's path, the id it declares now)
    renamed: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def children(self, rev_id: str) -> list[str]:
        """REF's revisions whose down_revision names `rev_id`."""
        return sorted(r.id for r in self.revisions.values() if rev_id in r.parents)

    def is_ref_path(self, path: str) -> bool:
        return path.startswith(f"{self.ref}:")


def ref_history(
    env: Environment, side: MergeSide, settings: Settings, checkout: Sequence[RevisionFile]
) -> RefHistory:
    """REF's revisions of this environment, next to the checkout's records (before the merge)."""
    locations = _repository_locations(env, side.repo_root)
    if not locations:
        return RefHistory(side.ref, {}, ())
    theirs = _version_blobs(side.repo_root, side.commit, locations, env.recursive)
    ours = _working_tree_files(env, locations)
    by_path = {record.path: record for record in checkout}
    records: dict[str, RevisionFile] = {}  # REF's path -> its record
    differing: list[tuple[str, str]] = []
    for path, blob in sorted(theirs.items()):
        if excluded(side.repo_root / path, settings):
            continue
        here = ours.get(path)
        record = by_path.get(str(here)) if here is not None else None
        if record is not None and _blob_id(here, len(blob)) == blob:  # type: ignore[arg-type]
            records[path] = record  # the same bytes: the checkout's record is REF's
        else:
            differing.append((path, blob))
    base = _version_blobs(side.repo_root, side.base, locations, env.recursive) if side.base else {}
    base_blobs = {path: base[path] for path, _ in differing if path in base}
    contents = _read_blobs(side.repo_root, [*(blob for _, blob in differing), *base_blobs.values()])
    for path, blob in differing:
        records[path] = parse_revision_file(
            f"{side.ref}:{path}", contents[blob], settings.dialect, False, False
        )
    revisions: dict[str, RefRevision] = {}
    for path, record in records.items():
        rev_id, down = record.revision_id, record.down_revision
        if rev_id is None or record.revision is None or (down is not None and down.is_dynamic):
            continue
        revisions[rev_id] = RefRevision(
            rev_id, f"{side.ref}:{path}", record.revision.span, down.ids if down is not None else ()
        )
    parents = {p for r in revisions.values() for p in r.parents}
    heads = tuple(sorted(r for r in revisions if r not in parents))

    here_by_id = {r.revision_id: r for r in checkout if r.revision_id is not None}
    upgrades: dict[str, Upgrades] = {}
    for path, blob in differing:
        rev_id = records[path].revision_id
        mine = here_by_id.get(rev_id) if rev_id in revisions else None
        if mine is None or rev_id is None:
            continue
        try:
            my_bytes = read_regular(mine.path)
        except OSError:
            continue
        if _blob_id_of(my_bytes, len(blob)) == blob:
            continue  # moved, not edited
        ref_digest, ref_line = upgrade_digest(contents[blob])
        my_digest, my_line = upgrade_digest(my_bytes)
        base_digest = upgrade_digest(contents[base_blobs[path]])[0] if path in base_blobs else None
        fallback = mine.revision.span.line if mine.revision is not None else 1
        upgrades[rev_id] = Upgrades(
            ref_digest, my_digest, base_digest, my_line or fallback, ref_line or revisions[rev_id].span.line
        )
    renamed: dict[str, tuple[str, str]] = {}
    for path, record in records.items():
        rev_id = record.revision_id
        if rev_id is None or rev_id not in revisions or rev_id in here_by_id:
            continue
        now = by_path.get(str(ours[path])) if path in ours else None
        if now is not None and now.revision_id is not None:
            renamed[rev_id] = (now.path, now.revision_id)
    return RefHistory(side.ref, revisions, heads, upgrades, renamed)


def upgrade_digest(source: bytes) -> tuple[str | None, int | None]:
    """A digest of the normalised `upgrade()` (and `upgrade_<engine>()`) and the line of
    the first; (None, None) when the file does not parse, ("", None) when it has none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, None
    functions = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (node.name == "upgrade" or node.name.startswith("upgrade_"))
    ]
    if not functions:
        return "", None
    digest = hashlib.sha1()
    for function in functions:
        body = function.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                body = body[1:]  # a docstring does not change what runs
        digest.update(function.name.encode())
        digest.update(ast.dump(function.args).encode())
        for node in (*function.decorator_list, *body):
            digest.update(ast.dump(node).encode() + b"\0")
    return digest.hexdigest(), functions[0].lineno


def _blob_id_of(data: bytes, id_length: int) -> str:
    digest = hashlib.sha256() if id_length == 64 else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()

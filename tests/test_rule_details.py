"""Exact positions, messages, help and fixes of the rules on small histories."""

from __future__ import annotations

from pathlib import Path

import pytest
from histories import revisions_with_imported_labels, write_project
from miglint.model import Diagnostic
from miglint.pipeline import Options, lint_paths


def lint(root: Path, *select: str, **options: object) -> list[Diagnostic]:
    reports = lint_paths([str(root)], root, Options(use_cache=False, select=list(select), **options))  # type: ignore[arg-type]
    return [d for r in reports for d in r.diagnostics]


def test_multiple_heads_names_heads_divergence_and_merge_command(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a", "c1<-b", "c2<-b"])
    found = lint(tmp_path, "MG102")
    assert [(Path(d.path).name, d.span.line, d.span.column) for d in found] == [
        ("0002_c1.py", 13, 11),
        ("0003_c2.py", 13, 11),
    ]
    assert found[0].message == "revision c1 is one of 2 heads (c1, c2), which diverged at b"
    assert [d.help for d in found] == [
        'run: alembic merge -m "merge heads c1 and c2" c1 c2'
        " (or, if this branch is unreleased, make the history linear: miglint rebase c1 --onto c2)",
        'run: alembic merge -m "merge heads c1 and c2" c1 c2'
        " (or, if this branch is unreleased, make the history linear: miglint rebase c2 --onto c1)",
    ]
    assert found[0].revisions == ("c1", "c2")
    assert [r.path for r in found[0].related] == [str(files["c2"])]


@pytest.mark.parametrize(
    ("history", "rebases"),
    [
        # the first revision of each branch, onto the other head
        (["a", "b1<-a", "x<-a", "b2<-x"], ["miglint rebase b1 --onto b2", "miglint rebase x --onto b1"]),
        # a branch with a merge inside is no plain line: only the other one is offered
        (["a", "b<-a", "x<-a", "y<-a", "m<-x,y"], ["miglint rebase b --onto m", None]),
        # three heads: one rebase does not make the history linear
        (["a", "b<-a", "c<-a", "d<-a"], [None, None, None]),
    ],
    ids=["two-lines", "a-merge-inside", "three-heads"],
)
def test_multiple_heads_offers_rebase_for_a_plain_branch(
    history: list[str], rebases: list[str | None], tmp_path: Path
) -> None:
    write_project(tmp_path, history)
    offered = []
    for d in lint(tmp_path, "MG102"):
        assert d.help is not None
        offered.append(
            d.help.split("make the history linear: ")[1].rstrip(")") if " (or, " in d.help else None
        )
    assert offered == rebases


def test_multiple_heads_across_bases(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "x"])
    messages = {d.message for d in lint(tmp_path, "MG102")}
    assert messages == {
        "revision a is one of 2 heads (a, x), which share no common ancestor",
        "revision x is one of 2 heads (a, x), which share no common ancestor",
    }


def test_many_heads_and_bases_name_ten_and_merge_all_heads(tmp_path: Path) -> None:
    # 51 roots: naming every head in each of 51 findings would grow as N squared
    roots = [f"r{i:02d}" for i in range(51)]
    write_project(tmp_path, roots)
    heads = lint(tmp_path, "MG102")
    assert len(heads) == 51
    first = heads[0]
    assert first.message == (
        "revision r00 is one of 51 heads (r00, r01, r02, r03, r04, r05, r06, r07, r08, r09 and 41 more), "
        "which share no common ancestor"
    )
    assert first.help == 'run: alembic merge -m "merge 51 heads" heads'
    assert heads[50].revisions == ("r50", *roots[:10])
    assert [r.note for r in heads[50].related] == [f"head {r}" for r in roots[:10]]
    bases = lint(tmp_path, "MG105")
    assert len(bases) == 51
    assert bases[0].message == (
        "revision r00 is one of 51 unlabelled bases (r00, r01, r02, r03, r04, r05, r06, r07, r08, r09 and 41 more)"
    )
    assert [r.note for r in bases[0].related] == [f"base {r}" for r in roots[1:11]]


def test_missing_parent_suggests_file_stem_prefix_and_near_match(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        ["20251019_conv_summaries", "c<-20251019_conv_summary", "d<-2025101"],
        files={
            "20251019_conversation_summaries.py": "revision = 'conv'\ndown_revision = None\n"
            "branch_labels = ('conv',)\n",
            "0009_e.py": "revision = 'e'\ndown_revision = '20251019_conversation_summaries_x'\n",
            "0010_f.py": "revision = 'f'\ndown_revision = '20251019_conversation_summaries'\n",
        },
    )
    found = {d.revisions[0]: d for d in lint(tmp_path, "MG103")}
    assert found["c"].message == (
        "down_revision of c names '20251019_conv_summary', which is not a revision in this environment"
    )
    assert found["c"].help == "did you mean '20251019_conv_summaries' (the closest revision id)?"
    assert found["d"].help == (
        "did you mean '20251019_conv_summaries' (the only revision id starting with '2025101')?"
    )
    assert found["f"].help == (
        "did you mean 'conv' ('20251019_conversation_summaries' is the file name of that revision, not its id)?"
    )
    assert found["f"].span.line == 2 and found["f"].span.column == 16


def test_missing_parent_in_a_file_that_cannot_be_read_names_that_file(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "c<-b"])
    versions = tmp_path / "migrations" / "versions"
    (versions / "b_broken.py").write_bytes(b"revision = 'b'\ndown_revision = 'a'\nx = (\n")
    (found,) = lint(tmp_path, "MG103")
    assert (Path(found.path).name, found.span.line, found.revisions) == ("0001_c.py", 14, ("c", "b"))
    assert found.help == "b_broken.py probably declares it but cannot be read (MG001): fix that file"
    (versions / "b_broken.py").write_bytes(b"revision = 'b'\ndown_revision = 'a'\n")
    assert lint(tmp_path, "MG103") == []
    # a byte Python cannot decode, outside the header: MG001 alone, the revision keeps its place
    (versions / "b_broken.py").write_bytes(b"revision = 'b'\ndown_revision = 'a'\n# caf\xe9\n")
    assert lint(tmp_path, "MG103") == []
    assert [d.code for d in lint(tmp_path, "MG001")] == ["MG001"]


def test_cycle_lists_revisions_in_order_with_files(tmp_path: Path) -> None:
    write_project(tmp_path, ["x", "a<-c", "b<-a", "c<-b"])
    (found,) = lint(tmp_path, "MG101")
    assert found.message == "down_revision links form a cycle of 3: a -> c -> b -> a"
    assert found.revisions == ("a", "b", "c")
    assert Path(found.path).name == "0001_a.py" and found.span.line == 14
    assert [Path(r.path).name for r in found.related] == ["0002_b.py", "0003_c.py"]
    assert [r.note for r in found.related] == ["b down revision a", "c down revision b"]


def test_dependency_cycle_is_not_reported_as_plain_cycle(tmp_path: Path) -> None:
    write_project(tmp_path, ["base", "a<-base+b", "b<-a"])
    found = lint(tmp_path, "MG101", "MG110")
    assert [(d.code, d.revisions) for d in found] == [("MG110", ("a", "b"))]


def test_header_mismatch_fix_rewrites_only_the_value(tmp_path: Path) -> None:
    source = '"""copied\n\nRevision ID: a\nRevises: zz\n"""\nrevision = "b"\ndown_revision = "a"\n'
    write_project(tmp_path, ["a"], files={"0002_b.py": source})
    found = lint(tmp_path, "MG106")
    assert [(d.span.line, d.span.column, d.message) for d in found] == [
        (3, 13, "docstring says Revision ID 'a' but `revision` is 'b'"),
        (4, 9, "docstring says Revises 'zz' but `down_revision` is a"),
    ]
    edits = [d.fix.edits[0] for d in found if d.fix]
    assert [(e.span.line, e.span.column, e.span.end_column, e.replacement) for e in edits] == [
        (3, 13, 14, "b"),
        (4, 9, 11, "a"),
    ]


def test_redundant_parent_says_what_to_keep(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a", "c<-b", "m<-a,c"])
    (found,) = lint(tmp_path, "MG107")
    assert found.message == "merge m lists a, which is already an ancestor of c"
    assert found.help == "remove 'a' from down_revision: down_revision = 'c'"


def test_duplicate_revision_reported_at_each_file(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a", "b<-a"])
    found = lint(tmp_path, "MG104")
    assert [Path(d.path).name for d in found] == ["0001_b.py", "0002_b.py"]
    assert found[0].message == "revision b is declared in 2 files: 0001_b.py, 0002_b.py"
    assert [Path(r.path).name for r in found[0].related] == ["0002_b.py"]


def test_unreadable_down_revision_keeps_heads_quiet(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a"], files={"0009_c.py": "revision = 'c'\ndown_revision = PARENT\n"})
    assert [d.code for d in lint(tmp_path, "ALL")] == ["MG003"]


def test_suppression_on_line_and_file(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        files={
            "0001_a.py": "revision = 'a1b2c3d4e5f6'  # miglint: ignore[placeholder-revision-id]\ndown_revision = None\n",
            "0002_b.py": "# miglint: ignore[MG111]\nrevision = '111111111111'\ndown_revision = 'a1b2c3d4e5f6'\n",
        },
    )
    assert lint(tmp_path, "MG111") == []
    assert len(lint(tmp_path, "MG111", honour_ignores=False)) == 2


def test_unused_ignore_is_reported_when_selected(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        files={"0001_a.py": "revision = 'a'  # miglint: ignore[MG111]\ndown_revision = None\n"},
    )
    (found,) = lint(tmp_path, "MG111", "MG009")
    assert (found.code, found.span.line, found.span.column) == ("MG009", 1, 16)
    assert found.message == "suppression of MG111 is unused: nothing is reported on this line"
    assert lint(tmp_path, "MG111") == []


def test_branch_labels_imported_from_the_repository_are_resolved(tmp_path: Path) -> None:
    package = tmp_path / "myapp"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    (package / "labels.py").write_text("EXPAND = ('expand',)\nCONTRACT: str = 'contract'\n")
    write_project(
        tmp_path,
        ["a", "e2<-e", "c2<-c"],
        files=revisions_with_imported_labels("myapp.labels", {"e": "EXPAND", "c": "CONTRACT"}),
    )
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False))
    assert [d.code for r in reports for d in r.diagnostics] == []
    assert reports[0].graph.labels("e2") == frozenset({"expand"})


def test_unresolvable_imported_label_is_mg003_and_not_a_head_error(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        ["a"],
        files=revisions_with_imported_labels("elsewhere", {"e": "EXPAND", "c": "CONTRACT"}),
    )
    found = lint(tmp_path, "ALL")
    assert [(d.code, d.revisions) for d in found] == [("MG003", ("e",)), ("MG003", ("c",))]


def test_unread_sql_is_counted_in_the_summary(tmp_path: Path) -> None:
    from miglint.report import summary_line

    source = "revision = 'r1'\ndown_revision = None\ndef upgrade():\n    op.execute(build())\n    op.execute('CREATE TABLE (')\n"
    write_project(tmp_path, files={"0001_r1.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False))
    assert reports[0].unread_sql == 2
    assert (
        summary_line(reports)
        == "All checks passed: 1 revision in 1 environment (2 SQL statements not read, see MG209)."
    )


@pytest.mark.parametrize(
    "guard",
    [
        "if not inspector.has_table('t'):",
        "if 't' not in inspector.get_table_names():",
        "if not table_exists(bind, 't'):",
        "if not bind.execute(sa.text(\"SELECT 1 FROM information_schema.tables WHERE table_name = 't'\")).scalar():",
    ],
)
def test_op_call_inside_an_inspector_guard_is_safe(tmp_path: Path, guard: str) -> None:
    source = (
        f"revision = 'r1'\ndown_revision = None\ndef upgrade():\n    {guard}\n        op.create_table('t')\n"
    )
    write_project(tmp_path, files={"0001_r1.py": source})
    assert lint(tmp_path, "MG211") == []


def test_op_rules_after_baseline_only(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.miglint]\nbaseline = "b"\n[tool.miglint.rules.op-without-if-not-exists]\nafter-baseline = true\n'
    )
    body = "revision = '{r}'\ndown_revision = {p}\ndef upgrade():\n    op.create_table('{r}_table')\n"
    write_project(
        tmp_path,
        files={
            "0001_a.py": body.format(r="a", p="None"),
            "0002_b.py": body.format(r="b", p="'a'"),
            "0003_c.py": body.format(r="c", p="'b'"),
        },
    )
    found = lint(tmp_path, "MG211")
    assert [(d.revisions, d.message) for d in found] == [
        (("c",), "op.create_table('c_table') is not safe to run twice: it passes no if_not_exists=True "
         "and no inspector check guards it"),
    ]  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_common_ancestors_of_many_heads_equal_set_intersection(seed: int) -> None:
    import random

    from miglint.graph import RevisionGraph
    from miglint.model import HeaderValue, RevisionFile, Span
    from miglint.rules.multiple_heads import _common_ancestors

    rng = random.Random(seed)
    records = []
    for i in range(80):
        parents = () if i == 0 else tuple(sorted({f"r{rng.randint(max(0, i - 5), i - 1)}" for _ in range(2)}))
        value = HeaderValue(parents, Span.point(2), "tuple")
        records.append(
            RevisionFile(
                f"/{i}.py", revision=HeaderValue((f"r{i}",), Span.point(1), "str"), down_revision=value
            )
        )
    graph = RevisionGraph(records)
    heads = sorted(graph.heads())
    expected = set.intersection(*(graph.ancestors(h) | {h} for h in heads))
    assert _common_ancestors(graph, heads) == expected and "r0" in expected


def test_many_heads_are_listed_briefly(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", *[f"h{i:02d}<-a" for i in range(12)]])
    found = lint(tmp_path, "MG102")
    assert found[0].message == (
        "revision h00 is one of 12 heads (h00, h01, h02, h03, h04, h05, h06, h07, h08, h09 and 2 more), "
        "which diverged at a"
    )
    assert len(found[0].related) == 10 and found[0].help is not None and "h11" in found[0].help


_UPGRADE = "revision = 'r9'\ndown_revision = None\n\n\ndef upgrade():\n    {}\n"


@pytest.mark.parametrize(
    ("code", "unsafe", "column", "safe"),
    [
        (
            "MG201",
            "op.execute('CREATE TABLE t (id int)')",
            16,
            "op.execute('CREATE TABLE IF NOT EXISTS t (id int)')",
        ),
        (
            "MG202",
            "op.execute('ALTER TABLE t ADD COLUMN c int')",
            30,
            "op.execute('ALTER TABLE t ADD COLUMN IF NOT EXISTS c int')",
        ),
        ("MG203", "op.execute('DROP TABLE t')", 16, "op.execute('DROP TABLE IF EXISTS t')"),
        (
            "MG204",
            "op.execute('INSERT INTO t VALUES (1)')",
            16,
            "op.execute('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING')",
        ),
        (
            "MG205",
            "op.execute('ALTER TABLE t ADD CONSTRAINT u UNIQUE (c)')",
            30,
            "op.execute('ALTER TABLE t ADD COLUMN IF NOT EXISTS c int')",
        ),
        (
            "MG206",
            "op.execute('ALTER TABLE t RENAME COLUMN a TO b')",
            16,
            "op.execute('ALTER TABLE IF EXISTS t RENAME TO u')",
        ),
        ("MG209", "op.execute(build())", 4, "op.execute('SELECT 1')"),
        ("MG211", "op.create_table('t')", 4, "op.create_table('t', if_not_exists=True)"),
        ("MG212", "op.drop_index('ix')", 4, "op.drop_index('ix', if_exists=True)"),
    ],
)
def test_sql_and_op_rules_exact_code_line_and_revision(
    tmp_path: Path, code: str, unsafe: str, column: int, safe: str
) -> None:
    write_project(tmp_path, files={"0001_r9.py": _UPGRADE.format(unsafe)})
    (found,) = lint(tmp_path, code)
    assert (found.code, found.span.line, found.span.column, found.revisions) == (code, 6, column, ("r9",))
    write_project(tmp_path, files={"0001_r9.py": _UPGRADE.format(safe)})
    assert lint(tmp_path, code) == []


def test_computed_header_values_name_the_field_and_what_to_write(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        ["a"],
        files={
            "0001_b.py": "import os\nrevision = os.environ['REV']\ndown_revision = 'a'\n",
            "0002_c.py": "revision = 'c'\ndown_revision = PARENT\n",
            "0003_d.py": "revision = 'd'\ndown_revision = 'a'\n",  # literal: passes
        },
    )
    found = lint(tmp_path, "MG003")
    assert [(Path(d.path).name, d.span.line, d.revisions) for d in found] == [
        ("0001_b.py", 2, ()),  # no literal id to name
        ("0002_c.py", 2, ("c",)),
    ]
    assert [d.help for d in found] == [
        "write `revision` as a string literal, the id itself",
        "write `down_revision` as a string, a tuple of strings or None",
    ]


def test_redundant_parents_name_the_first_covering_parent(tmp_path: Path) -> None:
    # a <- b <- c, a <- d; the merge lists a chain (a, b, c) and a second branch (d)
    write_project(tmp_path, ["a", "b<-a", "c<-b", "d<-a", "m<-d,c,a,b"])
    found = lint(tmp_path, "MG107")
    assert [(d.message, d.revisions) for d in found] == [
        ("merge m lists a, which is already an ancestor of b", ("m", "a", "b")),
        ("merge m lists b, which is already an ancestor of c", ("m", "b", "c")),
    ]

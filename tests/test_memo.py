"""Per-revision findings reused across runs (lint/memo.py): only where nothing they read changed.

Every test compares a run served partly from the memo with a run that computes every
finding (--no-cache): the memo may make a run faster, never different.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
from histories import write_project
from miglint.pipeline import Options, lint_paths


def revision(rev: str, down: str | None, upgrade: str, downgrade: str = "pass") -> str:
    body = "\n".join(f"    {line}" for line in upgrade.splitlines())
    undo = "\n".join(f"    {line}" for line in downgrade.splitlines())
    return (
        f"revision = {rev!r}\ndown_revision = {down!r}\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n"
        f"def upgrade():\n{body}\n\n\ndef downgrade():\n{undo}\n"
    )


def findings(root: Path, cache: bool = True) -> list[tuple[str, str, int, str, str]]:
    options = Options(cache_dir=root / "cache") if cache else Options(use_cache=False)
    reports = lint_paths([str(root)], root, options)
    return [
        (d.code, Path(d.path).name, d.span.line, d.severity, d.message)
        for r in reports
        for d in r.diagnostics
    ]


def same_as_without_cache(root: Path) -> list[tuple[str, str, int, str, str]]:
    served = findings(root)
    assert served == findings(root, cache=False)
    return served


HISTORY = {
    "0001_a.py": revision("a", None, "op.create_table('users', sa.Column('id', sa.Integer()))"),
    "0002_b.py": revision("b", "a", "op.create_index('ix_users_a', 'users', ['a'])"),
    "0003_c.py": revision(
        "c",
        "b",
        "op.create_index('ix_audit_b', 'audit', ['b'])\n"
        "op.alter_column('users', 'email', nullable=False)\n"
        "op.create_foreign_key(None, 'users', 'teams', ['team_id'], ['id'])\n"
        "op.add_column('users', sa.Column('flag', sa.Boolean(), server_default='false'))",
    ),
}


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The revisions whose operations a deploy rule (MG401) and MG504 really checked."""
    from miglint.rules.create_index_not_concurrently import CreateIndexNotConcurrently
    from miglint.rules.downgrade_not_inverse import DowngradeNotInverse

    checked: list[str] = []
    real_revision = CreateIndexNotConcurrently.check_revision
    real_file = DowngradeNotInverse.check_file

    def check_revision(self, rev_id, *rest):  # type: ignore[no-untyped-def]
        checked.append(f"MG401:{rev_id}")
        return real_revision(self, rev_id, *rest)

    def check_file(self, file):  # type: ignore[no-untyped-def]
        checked.append(f"MG504:{file.revision_id}")
        return real_file(self, file)

    monkeypatch.setattr(CreateIndexNotConcurrently, "check_revision", check_revision)
    monkeypatch.setattr(DowngradeNotInverse, "check_file", check_file)
    return checked


def test_one_changed_file_is_the_only_one_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = write_project(tmp_path, files=HISTORY)
    first = same_as_without_cache(tmp_path)
    assert [(code, name, line) for code, name, line, *_ in first if code == "MG401"] == [
        ("MG401", "0002_b.py", 9),
        ("MG401", "0003_c.py", 9),
    ]
    files["0002_b.py"].write_text(
        HISTORY["0002_b.py"].replace("['a'])", "['a'])\n    op.create_index('ix_users_c', 'users', ['c'])")
    )
    checked = counting(monkeypatch)
    served = findings(tmp_path)
    assert sorted(set(checked)) == ["MG401:b", "MG504:b"]
    assert [(code, name, line) for code, name, line, *_ in served if code == "MG401"] == [
        ("MG401", "0002_b.py", 9),
        ("MG401", "0002_b.py", 10),
        ("MG401", "0003_c.py", 9),
    ]
    assert served == findings(tmp_path, cache=False)


@pytest.mark.parametrize(
    ("setting", "new_b", "gone"),
    [
        # with `deployed = "a"`, a table b creates is new: c's index on it blocks nobody
        ('[tool.miglint]\ndeployed = "a"\n', "op.create_table('audit', sa.Column('b', sa.Integer()))", ("MG401", 9)),
        # a CHECK (email IS NOT NULL) in b: c's SET NOT NULL needs no scan
        ("", "op.create_check_constraint('ck_email', 'users', 'email IS NOT NULL')", ("MG406", 10)),
        # b names a constraint by SQLAlchemy's convention: c's unnamed create is named by it
        ("", "op.create_foreign_key('fk_users_team_id_teams', 'users', 'teams', ['team_id'], ['id'])", ("MG502", 11)),
    ],
)  # fmt: skip
def test_an_edit_of_another_revision_reaches_the_findings_of_one_that_did_not_change(
    tmp_path: Path, setting: str, new_b: str, gone: tuple[str, int]
) -> None:
    """c's bytes do not change; what b now does changes c's findings."""
    files = write_project(tmp_path, files=HISTORY)
    if setting:
        (tmp_path / "pyproject.toml").write_text(setting)
    in_c = lambda found: [(c, line) for c, n, line, *_ in found if n == "0003_c.py"]  # noqa: E731
    assert gone in in_c(same_as_without_cache(tmp_path))
    files["0002_b.py"].write_text(revision("b", "a", new_b))
    assert gone not in in_c(same_as_without_cache(tmp_path))


@pytest.mark.parametrize(
    "setting",
    [
        "[tool.miglint.rules.MG401]\nseverity = 'error'\n",
        "[tool.miglint]\npostgres-version = 10\n",
        "[tool.miglint]\ndialect = 'sqlite'\n",
    ],
)
def test_another_configuration_computes_every_finding_again(tmp_path: Path, setting: str) -> None:
    write_project(tmp_path, files=HISTORY)
    before = same_as_without_cache(tmp_path)
    (tmp_path / "pyproject.toml").write_text(setting)
    assert same_as_without_cache(tmp_path) != before


def test_env_py_setting_lock_timeout_is_part_of_the_configuration(tmp_path: Path) -> None:
    write_project(tmp_path, files=HISTORY)
    (tmp_path / "pyproject.toml").write_text("[tool.miglint]\nextend-select = ['MG412']\n")
    before = same_as_without_cache(tmp_path)
    assert "MG412" in {d[0] for d in before}
    (tmp_path / "migrations" / "env.py").write_text("context.execute(\"SET lock_timeout = '5s'\")\n")
    assert "MG412" not in {d[0] for d in same_as_without_cache(tmp_path)}


def test_a_damaged_or_foreign_memo_is_not_trusted(tmp_path: Path) -> None:
    files = write_project(tmp_path, files=HISTORY)
    expected = same_as_without_cache(tmp_path)
    (results,) = (tmp_path / "cache").glob("results-*.pickle")
    stream = io.BytesIO(results.read_bytes())
    header = pickle.load(stream)
    pairs = dict(pickle.load(stream))
    ((config, entries),) = pairs["memo"].items()
    assert len(entries) == 3  # one entry per revision file
    assert any("MG502/named" in entry for entry in entries.values())  # a rule's summary of a file
    # every stored finding replaced by something that is not one, every summary by something
    # that is not one either
    pairs["memo"] = {
        config: {
            key: {
                code: (context, (1, 2) if "/" in code else ("not a finding",))
                for code, (context, _) in entry.items()
            }
            for key, entry in entries.items()
        }
    }
    part = pickle.dumps(list(pairs.items()))
    header["parts"] = [len(part)]
    results.write_bytes(pickle.dumps(header) + part)
    files["0001_a.py"].write_text(HISTORY["0001_a.py"] + "# touched\n")  # not served from the results
    assert findings(tmp_path) == expected
    results.write_bytes(b"\x80\x05garbage")
    files["0001_a.py"].write_text(HISTORY["0001_a.py"])
    assert findings(tmp_path) == expected


def test_the_sql_rules_check_only_the_changed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MG201-MG206 read one file each (MG204 is not memoised: a key elsewhere changes its finding)."""
    from miglint.rules.create_without_if_not_exists import CreateWithoutIfNotExists

    files = write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, 'op.execute("CREATE TABLE t (id int PRIMARY KEY)")'),
            "0002_b.py": revision("b", "a", 'op.execute("CREATE TABLE u (id int)")'),
            "0003_c.py": revision("c", "b", 'op.execute("INSERT INTO t (id) VALUES (1)")'),
        },
    )
    first = same_as_without_cache(tmp_path)
    assert [(c, n) for c, n, *_ in first if c.startswith("MG20")] == [
        ("MG201", "0001_a.py"),
        ("MG201", "0002_b.py"),
        ("MG204", "0003_c.py"),
    ]
    checked: list[str] = []
    real = CreateWithoutIfNotExists.check_file

    def check_file(self, file):  # type: ignore[no-untyped-def]
        checked.append(Path(file.path).name)
        return real(self, file)

    monkeypatch.setattr(CreateWithoutIfNotExists, "check_file", check_file)
    from miglint.rules import insert_without_conflict_guard as mg204

    gathered: list[str] = []
    real_facts = mg204.history_facts

    def history_facts(file):  # type: ignore[no-untyped-def]
        gathered.append(Path(file.path).name)
        return real_facts(file)

    monkeypatch.setattr(mg204, "history_facts", history_facts)
    files["0002_b.py"].write_text(revision("b", "a", 'op.execute("CREATE TABLE v (id int)")'))
    served = findings(tmp_path)
    assert checked == ["0002_b.py"]
    assert gathered == ["0002_b.py"]  # MG204 asks the history's keys of the changed file alone
    assert [(c, n, m.split(" is ")[0]) for c, n, _, _, m in served if c.startswith("MG20")] == [
        ("MG201", "0001_a.py", "CREATE TABLE t"),
        ("MG201", "0002_b.py", "CREATE TABLE v"),
        ("MG204", "0003_c.py", "INSERT t"),
    ]
    assert served == findings(tmp_path, cache=False)


def test_every_history_summary_is_served_from_the_memo_after_one_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a rule gathers from each file for a fact of the whole history (MG204, MG406,
    MG407, MG502) is worked out again for the changed file only: a summary the memo could
    not keep (MG407's nested ((table, column), type) pairs) read every file's operations
    on every run."""
    from miglint.memo import RuleMemo

    history = {
        **HISTORY,
        "0004_d.py": revision(
            "d",
            "c",
            "op.add_column('users', sa.Column('name', sa.String(20)))\n"
            "op.alter_column('users', 'name', type_=sa.String(40))\n"
            "op.alter_column('users', 'email', nullable=True)\n"
            'op.execute("INSERT INTO users (id) VALUES (1)")\n'
            "op.create_unique_constraint(None, 'users', ['name'])",
        ),
    }
    files = write_project(tmp_path, files=history)
    same_as_without_cache(tmp_path)
    files["0002_b.py"].write_text(HISTORY["0002_b.py"] + "# edited\n")
    computed: list[tuple[str, str]] = []
    real = RuleMemo.summary

    def summary(self, name, path, compute):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            computed.append((name, Path(path).name))
            return compute()

        return real(self, name, path, counted)

    monkeypatch.setattr(RuleMemo, "summary", summary)
    served = findings(tmp_path)
    assert {name for name, _ in computed} >= {"MG407/typed"}  # b's own, gathered again
    assert [entry for entry in computed if entry[1] != "0002_b.py"] == []
    monkeypatch.undo()
    assert served == findings(tmp_path, cache=False)

"""A generator of hostile inputs: projects miglint must survive.

Every case is a small Alembic project (files, symbolic links) and a command line.
Whatever the input, miglint must end promptly with exit 0, 1 or 2: a finding, or
one line on stderr naming the problem; never a traceback, an internal error or a
hang. tests/test_hostile.py runs a few hundred of them.

The families, each drawn from a seeded rng so that a failing case is reproducible
from its name (`family-seed`):
- graph: histories with self-revising and labelled revisions, cycles, duplicate
  ids, missing parents, labels equal to ids; run through lint, graph, plan and
  scenarios.
- source: version files that are truncated, mis-encoded, nested too deeply for
  Python's parser, end lines with lone CRs, or hold odd header values and SQL.
- files: symbolic link loops, file names that are not UTF-8, locations thousands
  of characters long, a file where a directory belongs.
- config: alembic.ini, pyproject.toml and the findings baseline that are not UTF-8,
  nested too deeply, `tool = 5`, or hold values of the wrong type.
- runner: scripts that stamp, nested too deeply, with lone CRs or names that are not UTF-8.
- cli: arguments thousands of characters long, paths that loop or cannot be written.

    python tests/hostile.py DIR [--count N]   # writes the cases to look at by hand
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from histories import INI, spec, version_source

Files = Mapping[str, bytes]  # relative path (str; may hold surrogates for non-UTF-8 names) -> bytes


@dataclass(frozen=True)
class HostileCase:
    name: str
    files: Files
    args: tuple[str, ...] = ("lint", "--no-cache")
    links: Mapping[str, str] = field(default_factory=dict)  # link path -> target, as written
    expect: str = ""  # text the output (stdout + stderr) must contain
    forbid: str = ""  # text it must not contain

    def write(self, root: Path) -> None:
        for relative, data in self.files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for link, target in self.links.items():
            path = root / link
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)


VERSIONS = "migrations/versions"


def project(versions: Mapping[str, bytes | str], ini: str = INI, **extra: bytes) -> dict[str, bytes]:
    files = {"alembic.ini": ini.encode(), "migrations/env.py": b"# never imported\n"}
    for name, source in versions.items():
        files[f"{VERSIONS}/{name}"] = source.encode() if isinstance(source, str) else source
    files.update(extra)
    return files


def history_files(history: list[str]) -> dict[str, str]:
    return {f"{index:04d}_{spec(h).rev}.py": version_source(spec(h)) for index, h in enumerate(history)}


# -- graph ----------------------------------------------------------------------------


def random_hostile_history(rng: random.Random) -> list[str]:
    """A small history broken in several ways at once."""
    ids = [f"r{index}" for index in range(rng.randint(1, 9))]
    labels = ["L1", "L2", *ids[:2]]  # the last two: a label equal to an id
    history = []
    for rev in ids:
        roll = rng.random()
        if roll < 0.15:
            parents = [rev]  # revises itself
        elif roll < 0.25:
            parents = []
        elif roll < 0.35:
            parents = ["gone"]
        else:
            parents = rng.sample(ids, rng.choice((1, 1, 1, 2, 3)) if len(ids) >= 3 else 1)
        text = rev + "".join(f"@{label}" for label in rng.sample(labels, rng.choice((0, 0, 1, 2))))
        if parents:
            text += "<-" + ",".join(parents)
        if rng.random() < 0.25:
            text += "+" + rng.choice([*ids, "L1", "gone"])
        history.append(text)
        if rng.random() < 0.1:
            history.append(text)  # a duplicate id
    rng.shuffle(history)
    return history


GRAPH_COMMANDS = (
    ("lint", "--no-cache"),
    ("graph", "--no-cache", "--format", "text"),
    ("graph", "--no-cache", "--format", "json"),
    ("graph", "--no-cache", "--format", "dot"),
    ("graph", "--no-cache", "--format", "mermaid"),
    ("scenarios", "--no-cache"),
)


def graph_cases(seeds: range) -> Iterator[HostileCase]:
    # the shape issue 12 names first: a labelled revision whose down_revision is itself
    yield HostileCase(
        "graph-self-revising-labelled",
        project(history_files(["a@x<-a", "b", "c<-b", "d<-b"])),
        expect="MG101",
    )
    for seed in seeds:
        rng = random.Random(seed)
        history = random_hostile_history(rng)
        args = rng.choice(GRAPH_COMMANDS)
        if rng.random() < 0.15:
            args = ("plan", "--no-cache", "--from", spec(rng.choice(history)).rev)
        yield HostileCase(f"graph-{seed}", project(history_files(history)), args=args)


# -- version file sources -------------------------------------------------------------


BASE = "revision = 'b'\ndown_revision = 'a'\n"
ROOT = {"0000_a.py": version_source(spec("a"))}


def elif_chain(branches: int) -> str:
    tests = "".join(f"    elif x == {i}:\n        pass\n" for i in range(1, branches))
    return f"{BASE}\ndef upgrade():\n    x = 1\n    if x == 0:\n        pass\n{tests}"


def _sql_file(sql: str) -> str:
    return f"{BASE}from alembic import op\n\n\ndef upgrade():\n    op.execute({sql!r})\n"


def source_generators() -> list[Callable[[random.Random], tuple[bytes, str]]]:
    """Each returns (bytes of version file b, text the output must contain or "")."""
    valid = version_source(spec("b<-a"), annotated=True).replace(
        "    pass", "    op.execute('CREATE TABLE t (id int)')", 1
    )

    def truncated(rng: random.Random) -> tuple[bytes, str]:
        data = valid.encode()
        return data[: rng.randrange(len(data))], ""

    def bad_bytes(rng: random.Random) -> tuple[bytes, str]:
        data = bytearray(valid.encode())
        for _ in range(rng.randint(1, 4)):
            data.insert(rng.randrange(len(data)), rng.choice((0x00, 0x80, 0xFF, 0xC3, 0x0D, 0x1A)))
        return bytes(data), ""

    def line_endings(rng: random.Random) -> tuple[bytes, str]:
        ends = ["\r"] if rng.random() < 0.5 else ["\n", "\r", "\r\n"]
        text = "".join(line + rng.choice(ends) for line in valid.split("\n"))
        return text.encode(), "MG201"  # the SQL is read whatever the line ends

    def deep_nesting(rng: random.Random) -> tuple[bytes, str]:
        depth = rng.choice((100, 1000, 5000, 50000))
        shape = rng.choice(("elif", "parens", "sum", "unary", "lists", "indent"))
        if shape == "elif":
            return elif_chain(depth).encode(), "MG001" if depth > 5000 else ""
        if shape == "parens":
            too_deep = "MG001" if depth >= 200 else ""  # CPython's limit on nested brackets
            return f"revision = 'b'\ndown_revision = {'(' * depth}'a'{')' * depth}\n".encode(), too_deep
        if shape == "sum":
            return f"revision = 'b'\ndown_revision = {' + '.join([repr('a')] * depth)}\n".encode(), ""
        if shape == "unary":
            return f"{BASE}x = {'-' * depth}1\n".encode(), ""
        if shape == "lists":
            return f"revision = 'b'\ndown_revision = {'[' * depth}{']' * depth}\n".encode(), ""
        lines = "".join(" " * i + "if x:\n" for i in range(min(depth, 300)))
        return f"{BASE}x = 1\n{lines}{' ' * min(depth, 300)}pass\n".encode(), ""

    def header_values(rng: random.Random) -> tuple[bytes, str]:
        value = rng.choice(
            (
                "5",
                "5.0",
                "{'a': 1}",
                "{'a'}",
                "f'{x}'",
                "b'a'",
                "('a', ('b',))",
                "(*X,)",
                "(y := 'a')",
                "'a' 'b'",
                "''",
                "'\\n'",
                "'caf\\u00e9'",
                "'" + "a" * 100_000 + "'",
                "(" + ", ".join(f"'p{i}'" for i in range(20_000)) + ")",
                "lambda: 'a'",
                "None if x else 'a'",
                "r'\\'",
                "'''a\nb'''",
            )
        )
        field_name = rng.choice(("revision", "down_revision", "branch_labels", "depends_on"))
        lines = {"revision": "'b'", "down_revision": "'a'"}
        lines[field_name] = value
        text = "x = X = 1\n" + "".join(f"{k} = {v}\n" for k, v in lines.items())
        return text.encode(), ""

    def odd_shapes(rng: random.Random) -> tuple[bytes, str]:
        return rng.choice(
            (
                b"",
                b"\n\n\n",
                b"# only a comment\n",
                b'"""unterminated docstring\nrevision = \'b\'\n',
                b"\xef\xbb\xbf" + BASE.encode(),
                b"# -*- coding: latin-1 -*-\n" + BASE.encode() + b"# caf\xe9\n",
                b"# coding: no-such-codec\n" + BASE.encode(),
                b"# coding: utf-16\n" + BASE.encode(),
                BASE.encode() + b"\x00\n",
                b"revision: str\ndown_revision: str\n",
                b"if True:\n    revision = 'b'\n    down_revision = 'a'\n",
                b"revision = 'b'\nrevision = 'c'\ndown_revision = 'a'\n",
                b"revision = 'b'\ndel revision\ndown_revision = 'a'\n",
                BASE.encode() + b"# miglint: ignore[\n# miglint: ignore[,,,]\n",
                BASE.encode() + b"x = '" + b"y" * 1_000_000 + b"'\n",
                BASE.encode() + b"\\\n",
                b"\t" + BASE.encode(),
            )
        ), ""

    def hostile_sql(rng: random.Random) -> tuple[bytes, str]:
        depth = rng.choice((10, 1000, 50000))
        sql = rng.choice(
            (
                "SELECT " + "(" * depth + "1" + ")" * depth,
                "CREATE TABLE t (" + ", ".join(f"c{i} int" for i in range(depth)) + ")",
                "INSERT INTO t VALUES ('unterminated",
                "DROP TABLE " + "x" * depth,
                ";" * depth,
                "CREATE TABLE \x00 (id int)",
                "/* " * depth,
            )
        )
        return _sql_file(sql).encode(), ""

    def deep_but_valid(rng: random.Random) -> tuple[bytes, str]:
        # Python compiles these; the AST compiler or the SQL reader might not keep up
        size = rng.choice((500, 1500, 2500))
        shape = rng.choice(("header-sum", "sql-sum", "helper-chain", "named-sql-sum"))
        if shape == "header-sum":  # a computed value, however deep
            return f"revision = 'b'\ndown_revision = {' + '.join([repr('a')] * size)}\n".encode(), "MG003"
        if shape == "sql-sum":
            sql = " + ".join(["'CREATE TABLE t (id int);'"] * size)
            return f"{BASE}from alembic import op\n\ndef upgrade():\n    op.execute({sql})\n".encode(), ""
        if shape == "named-sql-sum":
            sql = " + ".join(["'x'"] * size)
            return (
                f"{BASE}from alembic import op\nS = {sql}\n\ndef upgrade():\n    op.execute(S)\n".encode(),
                "",
            )
        size = 3000  # a pattern per helper name took minutes here
        helpers = "".join(f"def f{i}():\n    f{i + 1}()\n" for i in range(size))
        last = f"def f{size}():\n    op.execute('CREATE TABLE t (id int)')\n"
        return f"{BASE}from alembic import op\n{helpers}{last}\ndef upgrade():\n    f0()\n".encode(), "MG201"

    return [
        truncated,
        bad_bytes,
        line_endings,
        deep_nesting,
        header_values,
        odd_shapes,
        hostile_sql,
        deep_but_valid,
    ]


def source_cases(seeds: range) -> Iterator[HostileCase]:
    yield HostileCase(
        "source-elif-50000", project({**ROOT, "0001_b.py": elif_chain(50_000)}), expect="nested too deeply"
    )
    generators = source_generators()
    dialects = ("postgresql", "mysql", "sqlite", "mssql", "oracle")
    for seed in seeds:
        rng = random.Random(seed)
        generate = generators[seed % len(generators)]
        data, expect = generate(rng)
        extra: dict[str, bytes] = {}
        dialect = dialects[seed % len(dialects)]
        # every other case with the rules that read op calls and report unread SQL too
        select = 'extend-select = ["MG209", "MG211", "MG212"]\n' if seed % 2 else ""
        if dialect != "postgresql" or select:
            extra["pyproject.toml"] = f'[tool.miglint]\ndialect = "{dialect}"\n{select}'.encode()
        yield HostileCase(
            f"source-{generate.__name__}-{seed}",
            project({**ROOT, "0001_b.py": data}, **extra),
            expect=expect,
            forbid="MG001" if generate.__name__ == "deep_but_valid" else "",  # Python compiles them
        )


# -- the file system ------------------------------------------------------------------


def file_cases(seeds: range) -> Iterator[HostileCase]:
    two_heads = {**ROOT, **history_files(["a", "b<-a", "c<-a"])}
    yield HostileCase(
        "files-link-loops",
        project(ROOT),
        links={
            f"{VERSIONS}/self.py": "self.py",
            f"{VERSIONS}/ping.py": "pong.py",
            f"{VERSIONS}/pong.py": "ping.py",
            f"{VERSIONS}/loopdir": "loopdir",
            f"{VERSIONS}/up": "..",
            f"{VERSIONS}/sub/again": "../sub",
        },
        expect="Too many levels of symbolic links",
    )
    yield HostileCase(
        "files-recursive-link-loop",
        project(ROOT, ini=INI + "recursive_version_locations = true\n"),
        links={f"{VERSIONS}/sub/again": "../sub", f"{VERSIONS}/up": ".."},
    )
    non_utf8 = os.fsdecode(b"0001_b\xff\xfe.py")
    yield HostileCase(
        "files-non-utf8-name",
        project({**ROOT, non_utf8: version_source(spec("b<-a")), "0002_c.py": version_source(spec("c<-a"))}),
        expect="MG102",
    )
    script_dir = os.fsdecode(b"m\xe9")
    yield HostileCase(
        "files-non-utf8-directory",
        {
            "alembic.ini": INI.replace("%(here)s/migrations", script_dir).encode("utf-8", "surrogateescape"),
            **{f"{script_dir}/versions/{k}": v.encode() for k, v in two_heads.items()},
        },
    )
    for length in (300, 5000, 10_000):
        for shape in ("x", "x/"):
            location = shape * (length // len(shape))
            name = (
                f"files-long-script-location-{shape.strip('/')}{'-slashes' if '/' in shape else ''}-{length}"
            )
            ini = f"[alembic]\nscript_location = {location}\n".encode()
            # nothing beside it that discovery could take for the script directory instead
            yield HostileCase(name, {"alembic.ini": ini}, expect="script_location")
            # and with migrations/ beside it, which discovery lints with a note
            yield HostileCase(
                f"{name}-beside", {**project(ROOT), "alembic.ini": ini}, expect="script_location"
            )
    yield HostileCase(
        "files-long-version-locations",
        project(ROOT, ini=INI + "version_locations = " + " ".join(["y" * 300] * 50) + "\n"),
    )
    yield HostileCase(
        "files-versions-is-a-file", {"alembic.ini": INI.encode(), VERSIONS: b"not a directory\n"}
    )
    yield HostileCase("files-directory-named-like-a-file", project(ROOT, **{f"{VERSIONS}/x.py/y": b""}))
    for seed in seeds:
        rng = random.Random(seed)
        # the same two-head project under a random mix of link and name tricks
        links = {}
        files = project(two_heads)
        for _ in range(rng.randint(1, 4)):
            kind = rng.randrange(4)
            name = f"{VERSIONS}/{'sub/' * rng.randint(0, 2)}n{rng.randrange(100)}"
            if kind == 0:
                links[name + ".py"] = os.path.basename(name) + ".py"
            elif kind == 1:
                links[name] = "../" * rng.randint(0, 3) + "versions"
            elif kind == 2:
                files[os.fsdecode(name.encode() + bytes([rng.randrange(0x80, 0x100)]) + b".py")] = (
                    version_source(spec(f"n{seed}<-c"))
                ).encode()
            else:
                links[name + ".py"] = "/nonexistent/" + "z" * rng.randrange(
                    10, 4000
                )  # a link holds at most PATH_MAX
        recursive = rng.random() < 0.5
        if recursive:
            files["alembic.ini"] = (INI + "recursive_version_locations = true\n").encode()
        yield HostileCase(f"files-{seed}", files, links=links)


# -- configuration --------------------------------------------------------------------


MIGLINT_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "exclude",
    "runners",
    "critical",
    "baseline",
    "baseline-file",
    "dialect",
    "include-downgrade",
    "cache-dir",
    "environments",
    "rules",
    "script-location",
    "version-locations",
    "recursive-version-locations",
)
ALEMBIC_KEYS = ("script_location", "version_locations", "recursive_version_locations", "path_separator")
TOML_VALUES = ("5", "true", '"x"', "[1, 2]", '["MG1"]', "{a = 1}", "[{}]", "[[1]]", '""', "1979-05-27", "inf")


def config_cases(seeds: range) -> Iterator[HostileCase]:
    root_only = {**ROOT}
    fixed = {
        "config-pyproject-not-utf8": b'[tool.miglint]\nselect = ["\xff"]\n',
        "config-pyproject-nested-arrays": b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        "config-pyproject-nested-tables": b"[tool.miglint]\nx = "
        + b"{a=" * 5000
        + b"1"
        + b"}" * 5000
        + b"\n",
        "config-pyproject-tool-is-5": b"tool = 5\n",
        "config-pyproject-tool-alembic-is-5": b"[tool]\nalembic = 5\n",
        "config-pyproject-tool-miglint-is-5": b"[tool]\nmiglint = 5\n",
        "config-pyproject-invalid": b"[tool.miglint\n",
        "config-pyproject-runners-empty": b'[tool.miglint]\nrunners = ""\n',
        "config-pyproject-runners-absolute": b'[tool.miglint]\nrunners = ["/etc/*"]\n',
    }
    for name, data in fixed.items():
        yield HostileCase(name, project(root_only, **{"pyproject.toml": data}), expect="pyproject.toml")
    yield HostileCase(
        "config-pyproject-tool-is-5-no-ini",
        {"pyproject.toml": b"tool = 5\n", f"{VERSIONS}/0000_a.py": ROOT["0000_a.py"].encode()},
        expect="pyproject.toml",
    )
    ini_fixed = {
        "config-ini-not-utf8": b"[alembic]\nscript_location = m\xff\n",
        "config-ini-no-section": b"script_location = migrations\n",
        "config-ini-bad-interpolation": b"[alembic]\nscript_location = %(nope)s/migrations\n",
        "config-ini-duplicate-option": b"[alembic]\nscript_location = a\nscript_location = b\n",
        "config-ini-empty-location": b"[alembic]\nscript_location =\n",
        "config-ini-bad-separator": INI.replace("os", "tab").encode() + b"version_locations = a\n",
        "config-ini-package-resource": b"[alembic]\nscript_location = nosuchpackage:migrations\n",
        "config-ini-nul": b"[alembic]\nscript_location = migra\x00tions\n",
    }
    for name, data in ini_fixed.items():
        files = project(root_only)
        files["alembic.ini"] = data
        yield HostileCase(name, files, expect="miglint:")
    baselines = {
        "not-utf8": b"\xff\xfe",
        "nested": b"[" * 100_000 + b"]" * 100_000,
        "findings-not-a-list": b'{"version": 1, "findings": 5}',
        "finding-of-wrong-types": b'{"version": 1, "findings": [{"path": 1, "code": [], "count": "x"}]}',
        "version-string": b'{"version": "1"}',
        "truncated": b'{"version": 1, "findings": [',
    }
    for name, data in baselines.items():
        files = {**project(history_files(["a", "b<-a", "c<-a"])), ".miglint-baseline.json": data}
        yield HostileCase(f"config-baseline-{name}", files, expect="baseline")
    for seed in seeds:
        rng = random.Random(seed)
        files = project(history_files(["a", "b<-a"]))
        table = rng.choice(("tool.miglint", "tool.alembic"))
        keys = MIGLINT_KEYS if table == "tool.miglint" else ALEMBIC_KEYS
        body = "".join(f"{key} = {rng.choice(TOML_VALUES)}\n" for key in rng.sample(keys, rng.randint(1, 3)))
        files["pyproject.toml"] = f"[{table}]\n{body}".encode()
        if table == "tool.alembic" and rng.random() < 0.5:
            del files["alembic.ini"]
        yield HostileCase(f"config-{seed}", files)


# -- runner code (the scripts that call `alembic stamp`) ----------------------------------


def runner_cases() -> Iterator[HostileCase]:
    stamp = 'subprocess.run(["alembic", "stamp", "head"])\n'
    deep_if = "".join(f"elif x == {i}:\n    pass\n" for i in range(1, 50_000))
    runners = {
        "elif-50000": (
            "deploy.py",
            f"import subprocess\nx = 1\nif x == 0:\n    pass\n{deep_if}{stamp}".encode(),
        ),
        "sum-2000": ("deploy.py", f"import subprocess\nx = {' + '.join(['1'] * 2000)}\n{stamp}".encode()),
        "lone-cr": ("deploy.py", f"import subprocess\nif True:\n    {stamp}".replace("\n", "\r").encode()),
        "not-utf8-name": (os.fsdecode(b"run\xff.py"), f"import subprocess\n{stamp}".encode()),
        "not-utf8-text": ("deploy.py", b"import subprocess\n# caf\xe9\n" + stamp.encode()),
        "shell-if-5000": (
            "entrypoint.sh",
            b"#!/bin/sh\n" + b"if true; then\n" * 5000 + b"alembic stamp head\n" + b"fi\n" * 5000,
        ),
        "shell-not-utf8": ("entrypoint.sh", b"#!/bin/sh\n# \xff\nalembic stamp head\n"),
    }
    for name, (path, data) in runners.items():
        yield HostileCase(f"runner-{name}", {**project(history_files(["a", "b<-a"])), path: data})


# -- the command line -----------------------------------------------------------------


def cli_cases() -> Iterator[HostileCase]:
    long = "x" * 10_000
    files = project(history_files(["a", "b<-a", "c<-a"]))
    argument_lists = {
        "long-path": ("lint", "--no-cache", long),
        "long-path-slashes": ("scenarios", "--no-cache", "x/" * 5000),
        "link-loop-path": ("lint", "--no-cache", "loop"),
        "long-output-file": ("lint", "--no-cache", "--output-file", long),
        "output-file-in-missing-dir": (
            "lint",
            "--no-cache",
            "--format",
            "json",
            "--output-file",
            "no/dir.json",
        ),
        "long-select": ("lint", "--no-cache", "--select", long),
        "long-baseline-file": ("lint", "--no-cache", "--baseline-file", long),
        "cache-dir-is-a-file": ("lint", "--cache-dir", "alembic.ini"),
        "long-plan-from": ("plan", "--no-cache", "--from", long),
        "long-around": ("graph", "--no-cache", "--around", long),
        "huge-around-depth": ("graph", "--no-cache", "--around", "a:99999999999999999999"),
        "long-graph-output": ("graph", "--no-cache", "-o", long + ".svg"),
        "many-jobs": ("lint", "--no-cache", "--jobs", "100000"),
        "long-rule": ("rule", long),
    }
    for name, args in argument_lists.items():
        yield HostileCase(f"cli-{name}", files, args=args, links={"loop": "loop"})


def all_cases(per_family: int = 60) -> list[HostileCase]:
    return [
        *graph_cases(range(per_family)),
        *source_cases(range(per_family * 2)),
        *file_cases(range(per_family // 2)),
        *config_cases(range(per_family)),
        *runner_cases(),
        *cli_cases(),
    ]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, default=60, help="cases per family")
    arguments = parser.parse_args()
    for case in all_cases(arguments.count):
        case.write(arguments.directory / case.name)
        print(arguments.directory / case.name, " ".join(case.args), file=sys.stderr)

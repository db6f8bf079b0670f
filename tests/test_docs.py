"""Documentation that is generated or must follow the code: docs/rules/ and the README's
configuration reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import cli_runner
from miglint.cli import main
from miglint.config import _ENVIRONMENT_KEYS, _KNOWN, load_settings
from miglint.docs import rule_page
from miglint.rule import all_rules
from miglint.rules._sql_rule import GUARDS, GUARDS_MARKER, SqlRule

ROOT = Path(__file__).resolve().parent.parent
RULE_DOCS = ROOT / "docs" / "rules"
RULES = all_rules()


def _generate(directory: Path):  # type: ignore[no-untyped-def]
    return cli_runner().invoke(main, ["rules", "--docs", str(directory)])


# -- docs/rules ----------------------------------------------------------------------------


def test_committed_rule_docs_are_what_the_rules_generate(tmp_path: Path) -> None:
    fresh = tmp_path / "rules"
    result = _generate(fresh)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"miglint: {fresh}: {len(RULES) + 1} files written, 0 unchanged\n"
    generated = {p.name: p.read_text() for p in fresh.iterdir()}
    committed = {p.name: p.read_text() for p in RULE_DOCS.iterdir()} if RULE_DOCS.is_dir() else {}
    stale = sorted(
        name for name in generated.keys() | committed.keys() if generated.get(name) != committed.get(name)
    )
    assert not stale, (
        f"docs/rules is out of date ({', '.join(stale)}): "
        "regenerate it from the repository root with `miglint rules --docs docs/rules`"
    )


def test_every_rule_has_a_page_and_every_page_a_rule() -> None:
    pages = {p.stem for p in RULE_DOCS.glob("*.md") if p.name != "README.md"}
    assert pages == set(RULES)
    index = (RULE_DOCS / "README.md").read_text()
    linked = re.findall(r"^\| \[(MG\d{3})\]\((MG\d{3})\.md\) \| ([a-z0-9-]+) \|", index, re.MULTILINE)
    assert linked == [(code, code, rule.name) for code, rule in RULES.items()]


def test_a_page_is_the_rule_command_plus_the_tested_examples(tmp_path: Path) -> None:
    for code, rule in RULES.items():
        shown = cli_runner().invoke(main, ["rule", code])
        assert shown.exit_code == 0
        page = rule_page(rule)
        head, _, examples = page.partition("\n## Tested examples\n")
        source = rule.__module__.replace("miglint.rules.", "rules/") + ".py"
        assert head.rstrip("\n") + "\n" == (
            f"<!-- Generated from {source} by `miglint rules --docs docs/rules`: edit the rule, not this page. -->\n"
            + shown.stdout
        )
        assert shown.stdout.startswith(f"# {rule.name} ({code})\n\nSeverity: {rule.severity}; ")
        assert (ROOT / source).is_file()
        # every example the rule's tests run is on its page, and nothing else is
        assert len(re.findall(r"^\d+\. ", examples, re.MULTILINE)) == len(rule.valid) + len(rule.invalid)


def test_multiple_heads_page() -> None:
    page = (RULE_DOCS / "MG102.md").read_text()
    assert (
        "\n## Settings\n\nIn `[tool.miglint.rules.MG102]` (or `[tool.miglint.rules.multiple-heads]`):\n"
        in page
    )
    assert "\n### Reported\n\n1. History `a`, `b1<-a`, `b2<-a`. Reports `b1`, `b2`.\n" in page
    assert (
        "\n### Not reported\n\n1. History `a`, `b<-a`.\n2. History `a`, `b1<-a`, `b2<-a`, `m<-b1,b2`.\n"
        in page
    )
    assert "| `after-baseline` | `false` | `true` or `false` |" in (RULE_DOCS / "MG211.md").read_text()


def test_regenerating_rewrites_only_what_changed_and_removes_pages_of_gone_rules(tmp_path: Path) -> None:
    out = tmp_path / "rules"
    assert _generate(out).exit_code == 0
    untouched = (out / "MG001.md").stat().st_mtime_ns
    (out / "MG102.md").write_text("edited by hand\n")
    (out / "MG999.md").write_text("a rule that was removed\n")
    (out / "notes.txt").write_text("not a page\n")

    again = _generate(out)
    assert (again.exit_code, again.stdout) == (0, "")
    assert again.stderr == f"miglint: {out}: 1 file written, {len(RULES)} unchanged, 1 removed\n"
    assert (out / "MG102.md").read_text() == rule_page(RULES["MG102"])
    assert (out / "MG001.md").stat().st_mtime_ns == untouched
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("MG")) == ["README.md", "notes.txt"]
    assert not (out / "MG999.md").exists()


def test_docs_into_a_path_that_cannot_be_a_directory(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    result = _generate(tmp_path / "afile" / "rules")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"miglint: error: cannot write {tmp_path / 'afile' / 'rules'}: Not a directory\n"


# -- the SQL rules' shared paragraph on guards ---------------------------------------------

SQL_RULES = {code: rule for code, rule in RULES.items() if issubclass(rule, SqlRule)}


def _what_it_does(markdown: str) -> str:
    return markdown.split("\n## What it does\n", 1)[1].split("\n## ", 1)[0]


def test_the_sql_rules_are_the_six_idempotency_rules() -> None:
    assert sorted(SQL_RULES) == ["MG201", "MG202", "MG203", "MG204", "MG205", "MG206"]


@pytest.mark.parametrize("code", sorted(SQL_RULES))
def test_a_sql_rule_shows_the_shared_guards_paragraph_in_full(code: str) -> None:
    from miglint.editor.live import rule_hover

    shown = cli_runner().invoke(main, ["rule", code])
    assert shown.exit_code == 0
    page = (RULE_DOCS / f"{code}.md").read_text()
    hover = rule_hover(code)
    assert hover is not None
    for markdown in (shown.stdout, page, hover):
        # a paragraph of its own in "What it does", after the rule's first one
        assert f"\n\n{GUARDS}\n\n" in _what_it_does(markdown)
        assert GUARDS_MARKER not in markdown
    assert " ".join(GUARDS.split()) in SQL_RULES[code].description()  # SARIF's fullDescription


def test_the_guards_paragraph_is_written_once() -> None:
    opening = GUARDS.split(":", 1)[0]  # "Read in order with the rest of its function"
    written = sorted(p.name for p in (ROOT / "rules").glob("*.py") if opening in p.read_text())
    assert written == ["_sql_rule.py"]
    assert not [code for code, rule in RULES.items() if GUARDS_MARKER in rule.docs()]


def test_only_the_rules_a_loop_over_found_rows_makes_safe_say_so() -> None:
    from miglint.sql.guards import _ACTS_ON_EXISTING

    saying = {
        code for code, rule in SQL_RULES.items() if "a `for` over the rows such a lookup found" in rule.docs()
    }
    assert saying == _ACTS_ON_EXISTING


# -- README: the rule table ----------------------------------------------------------------


def test_readme_rule_table_lists_every_rule_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Rules\n\n", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (MG\d{3}) \| ([a-z0-9-]+) \| ([a-z ()]+) \|", table, re.MULTILINE)

    def default(rule: type) -> str:
        state = "on" if rule.default_enabled else "off"
        return f"{state} (warning)" if rule.severity == "warning" and rule.default_enabled else state

    assert rows == [(code, rule.name, default(rule)) for code, rule in RULES.items()], (
        "the README's rule table must list every rule, in code order, with its name and default"
    )


# -- README: the configuration reference ----------------------------------------------------------


def _section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _reference() -> dict[str, str]:
    """The README's configuration reference, split at its tables' introductions."""
    section = _section("Configuration reference")
    parts = re.split(r"^(`\[\[?tool\.miglint\.[a-z.<> ]+\]\]?`):", section, flags=re.MULTILINE)
    return {"[tool.miglint]": parts[0], **dict(zip(parts[1::2], parts[2::2]))}


def _keys(text: str) -> list[str]:
    return re.findall(r"^\| `([a-z-]+)` \|", text, re.MULTILINE)


def test_readme_documents_every_configuration_key_once() -> None:
    tables = _reference()
    assert list(tables) == [
        "[tool.miglint]",
        "`[[tool.miglint.environments]]`",
        "`[tool.miglint.rules.<code or name>]`",
    ]
    top, environments, rules = (_keys(text) for text in tables.values())
    assert sorted(top) == sorted(_KNOWN)
    assert sorted(environments) == sorted(_ENVIRONMENT_KEYS)
    assert sorted(rules) == sorted({"severity"} | {k for r in RULES.values() for k in r.settings_defaults})


def test_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    example = _section("Configuration reference").split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(example)
    settings = load_settings(tmp_path, tmp_path / "pyproject.toml")
    assert [e.name for e in settings.environments] == ["core", "tenant"]
    assert settings.rule_settings == {
        "placeholder-revision-id": {"severity": "error"},
        "MG211": {"after-baseline": True},
    }


@pytest.mark.parametrize("hook", ["miglint", "miglint-graph"])
def test_readme_pre_commit_snippet_names_the_hooks(hook: str) -> None:
    snippet = _section("pre-commit").split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "  - repo: https://github.com/miglint/miglint\n    rev: v<version>" in snippet
    assert f"      - id: {hook}\n" in snippet


@pytest.mark.parametrize(
    "doc",
    [
        "",
        "One line.",
        "\n\n  x\n   y\n\n",
        "a\n\tb\n  c",
        "  lead\n    x\n  y",
        "Title.\n\n    Body\n      more\n",
    ],
)
def test_docstrings_are_cleaned_as_inspect_cleans_them(doc: str) -> None:
    """plainheader.cleandoc (revision docstrings, rule docs) stands in for inspect.cleandoc,
    whose import every run paid."""
    import inspect

    from miglint.reading.plainheader import cleandoc
    from miglint.rule import all_rules

    assert cleandoc(doc) == inspect.cleandoc(doc)
    for rule in all_rules().values():
        assert cleandoc(rule.__doc__ or "") == inspect.cleandoc(rule.__doc__ or "")

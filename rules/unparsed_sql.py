from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, RevisionFile
from ..rule import Example, FileRule
from ._sql_rule import upgrade_running


class UnparsedSql(FileRule):
    """
    ## What it does
    Reports SQL that miglint could not read: an `execute(...)` argument that is
    not a literal it can resolve, or text the SQL parser rejects, with the reason.
    Off by default: the other SQL rules stay silent about what they cannot read,
    and the summary counts it.

    ## Why is this bad?
    What cannot be read cannot be checked: such statements are neither known to be
    safe nor reported when they are not.

    ## Example
    ```python
    op.execute(build_statement())
    ```

    Use instead: a literal string, or a `# miglint: ignore[MG209]` where the SQL
    is necessarily computed.
    """

    code = "MG209"
    name = "unparsed-sql"
    default_enabled = False
    valid = (Example(files={"0001_r1.py": upgrade_running("CREATE TABLE IF NOT EXISTS t (id int)")}),)
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("CREATE TABLE (")}, flagged=("r1",)),
        Example(
            files={
                "0001_r1.py": "revision = 'r1'\ndown_revision = None\ndef upgrade():\n    op.execute(build())\n"
            },
            flagged=("r1",),
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        for problem in file.sql_problems:
            if problem.entry == "downgrade" and not self.project.include_downgrade:
                continue
            what = "SQL the parser cannot read" if problem.parsed else "SQL that is not a literal"
            yield self.diagnostic(
                file.path,
                problem.span,
                f"{what}: {problem.reason}",
                help="check this statement by hand, or write it as a literal so miglint can",
                revisions=(file.revision_id,) if file.revision_id else (),
            )

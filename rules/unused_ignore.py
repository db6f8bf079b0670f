from __future__ import annotations

from ..rule import WARNING, Rule


class UnusedIgnore(Rule):
    """
    ## What it does
    Flags a `# miglint: ignore[...]` comment that suppresses nothing: the rule it
    names reports nothing on that line (or, at the top of the file, in the file).
    Off by default; the engine checks it after every other rule has run.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line and tells readers
    a problem exists where none does.

    ## Example
    ```python
    revision = "8d2e4b6a1c03"  # miglint: ignore[MG111]
    ```

    Use instead:
    ```python
    revision = "8d2e4b6a1c03"
    ```
    """

    code = "MG009"
    name = "unused-ignore"
    severity = WARNING
    default_enabled = False

from __future__ import annotations

from ..rule import Rule


class UnreadableEnvironment(Rule):
    """
    ## What it does
    Flags an Alembic environment, found while searching a repository, whose
    configuration cannot be read: a `script_location` that does not exist, a version
    location that cannot be read, an ini that does not parse, a `package:path` that
    cannot be found; and, as a warning, a configured version location that does not
    exist.
    The finding points at the configuration file, at the value of the option at
    fault when there is one (`script_location`, `version_locations`, the path
    separator; in the ini section whose environment it is, else in `[DEFAULT]`);
    every other environment, the other sections of the same ini included, is linted
    all the same.

    ## Why is this bad?
    `alembic` run with this configuration stops before it reads a single revision,
    so nothing in this environment is checked, by Alembic or by miglint. A typo in
    a path lints nothing rather than something, which is why it fails the run
    instead of passing in silence.

    So is, as a warning, a `script_location` that is an absolute path outside the
    repository and does not exist here (Pagure's `/usr/share/pagure/alembic`, a
    container's `/code/alembic`): the deployed system's path, whose scripts this checkout
    keeps elsewhere (linted on their own); nothing in the checkout is wrong.

    A configured version location that does not exist is different, and a warning:
    Alembic reads past it without a word (an empty part of the history; `alembic
    revision` creates the directory when it writes there first), so the environment
    is linted as Alembic loads it, from its other locations. It is how a project
    looks before its first revision (git keeps no empty directory), and how one looks
    whose env.py or deploy script names the real locations at run time (bunkerweb's
    `<database>_versions/`, put into the ini by `sed`): the revision files beside the
    missing location in the script directory are reported by MG004, named and
    counted. A configured `severity` applies to every finding of the rule.

    Not reported: a section of an ini that holds several, whose `script_location` is a
    directory holding neither env.py nor versions/, beside sections that are
    environments: the `[alembic]` that `alembic init` wrote, left beside the sections the
    project runs by name (`Config(ini, ini_section="forecast")`). Nobody selects it, and
    Alembic would read no revision there without a word. Nor an ini whose `script_location`
    does not exist when a Python module beside it sets one in code
    (`config.set_main_option("script_location", ...)`, cloudkitty's shared
    `common/db/alembic`): a template for environments found on their own, by their versions/.

    ## Example
    `db/alembic.ini`:
    ```ini
    [alembic]
    script_location = %(here)s/migraitons
    ```

    Use instead:
    ```ini
    [alembic]
    script_location = %(here)s/migrations
    ```
    or, for a directory that is not an environment at all, `exclude` it in
    `[tool.miglint]`.
    """

    # Reported by the pipeline from what discovery could not read: there is no
    # history to run a check on, so no examples run through the rule engine
    # (tests/test_layouts.py asserts its findings).
    code = "MG005"
    name = "unreadable-environment"

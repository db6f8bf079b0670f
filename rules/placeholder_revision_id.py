from __future__ import annotations

from collections.abc import Iterator

from ..lazyre import pattern
from ..model import Diagnostic, RevisionFile
from ..rule import WARNING, Example, FileRule

_HEX = pattern(r"^[0-9a-f]{6,}$")
# People count on in hex, in letters only (a..f, then a again) or in digits only.
_ALPHABETS = ("0123456789abcdef", "abcdef", "0123456789")
# Only words of 7+ characters: a 6-character word turns up in random ids (~3 in a million).
_WORDS = ("deadbeef", "cafebabe", "feedface", "badc0de")
# The four-letter words people spell in hex: an id made of nothing else is typed (copr's
# `deaddeadc0de`, `deadbeafc0de`); three random ones in a row come once in ~10^10 ids.
_HEX_WORDS = frozenset(
    {"dead", "beef", "beaf", "c0de", "cafe", "babe", "face", "f00d", "feed", "fade", "deaf"}
)


_POSITIONS = tuple({char: i for i, char in enumerate(alphabet)} for alphabet in _ALPHABETS)


def _sequential(text: str) -> bool:
    """Each character follows the previous one, up or down, wrapping within one alphabet."""
    for positions in _POSITIONS:
        size = len(positions)
        if text[0] not in positions or text[1] not in positions:
            continue
        step = (positions[text[1]] - positions[text[0]]) % size
        if step not in (1, size - 1):
            continue  # a random id fails here, after two look-ups
        if all(
            b in positions and (positions[b] - positions[a]) % size == step for a, b in zip(text, text[1:])
        ):
            return True
    return False


def placeholder_reason(rev_id: str) -> str | None:
    """Why an id looks typed by hand rather than generated, or None.

    Tuned so that random 12-hex ids (what `alembic revision` generates) never match:
    tests/test_placeholder.py checks 200,000 of them.
    """
    text = rev_id.lower()
    if not _HEX.match(text):
        return None
    if len(set(text)) <= 2:
        return "repeats one or two characters"
    if _sequential(text):
        return "is a run of consecutive characters"
    # `a1b2c3d4e5f7` is `a1b2c3d4e5f6` with its last character bumped for a sibling
    for body in (text, text[:-1]):
        if len(body) >= 8 and _sequential(body[1::2]) and _sequential(body[0::2]):
            return "interleaves two runs of consecutive characters"
    for size in (2, 3, 4):
        unit = text[:size]
        if len(text) >= 2 * size and (unit * len(text))[: len(text)] == text:
            return f"repeats {unit!r}"
    for word in _WORDS:
        if word in text:
            return f"contains {word!r}"
    if (
        len(text) >= 8
        and len(text) % 4 == 0
        and all(text[i : i + 4] in _HEX_WORDS for i in range(0, len(text), 4))
    ):
        return "is made of words spelled in hex"
    return None


class PlaceholderRevisionId(FileRule):
    """
    ## What it does
    Flags a revision id that was typed by hand: `a1b2c3d4e5f6`, `0123456789ab`,
    `deadbeef0001`, `deaddeadc0de`, `111111111111` and the like (repeated or consecutive
    characters, two interleaved runs, a repeated short unit, hex words).

    ## Why is this bad?
    Generated ids are random so that two branches never pick the same one.
    Hand-made ids collide: `a1b2c3d4e5f6` was found in six unrelated public
    projects, 33 placeholder-looking ids in one of them. A collision is a
    duplicate revision once two branches meet.

    ## Example
    ```python
    revision = "a1b2c3d4e5f6"
    ```

    Use instead:
    let `alembic revision -m "..."` generate the id, or use
    `python -c "import uuid; print(uuid.uuid4().hex[-12:])"`.
    """

    code = "MG111"
    name = "placeholder-revision-id"
    severity = WARNING
    memo = True  # the revision id alone decides

    valid = (
        Example(
            history=("9c23e4e81011", "ab68d77b5088<-9c23e4e81011", "20251011_baseline_v106<-ab68d77b5088")
        ),
    )
    invalid = (
        Example(history=("a1b2c3d4e5f6",), flagged=("a1b2c3d4e5f6",)),
        Example(
            history=("0123456789ab", "deadbeef0001<-0123456789ab"), flagged=("0123456789ab", "deadbeef0001")
        ),
        Example(history=("111111111111",), flagged=("111111111111",)),
        Example(
            history=("deaddeadc0de", "deadbeafc0de<-deaddeadc0de"),
            flagged=("deaddeadc0de", "deadbeafc0de"),
            note="hex-words",  # copr
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        rev_id = file.revision_id
        if rev_id is None or file.revision is None:
            return
        reason = placeholder_reason(rev_id)
        if reason:
            yield self.diagnostic(
                file.path,
                file.revision.span,
                f"revision id {rev_id} looks hand-made ({reason}); such ids collide across branches",
                help="use a generated id (`alembic revision` makes one) before anything depends on it",
                revisions=(rev_id,),
            )

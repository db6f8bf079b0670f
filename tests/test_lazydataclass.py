"""miglint.lazydataclass: the standard decorator's behaviour, without its start-up cost."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import threading
import types

import pytest
from miglint.lazydataclass import FrozenInstanceError, dataclass, field, replace

COUNTER = iter(range(10**6))


def _both(source: str) -> tuple[types.ModuleType, types.ModuleType]:
    """The classes of `source` made by this module and by the standard decorator."""
    made = []
    for decorator, make_field in ((dataclass, field), (dataclasses.dataclass, dataclasses.field)):
        module = types.ModuleType(f"lazy_{next(COUNTER)}")
        module.__dict__.update(dataclass=decorator, field=make_field)
        sys.modules[module.__name__] = module  # pickle finds classes by module
        code = compile(
            "from __future__ import annotations\nfrom typing import ClassVar\n" + source, "t", "exec"
        )
        exec(code, module.__dict__)
        made.append(module)
    return made[0], made[1]


POINT = """
@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: list = field(default_factory=list, compare=False)
    hidden: str = field(default="h", repr=False)
    kind: ClassVar[str] = "point"
"""


def test_behaves_as_the_standard_decorator() -> None:
    ours, theirs = _both(POINT)
    for module in (ours, theirs):
        Point = module.Point
        p, q = Point(1, 2, ["a"]), Point(1, 2)
        assert (p.x, p.y, p.tags, p.hidden, Point.kind) == (1, 2, ["a"], "h", "point")
        assert repr(p) == "Point(x=1, y=2, tags=['a'])"
        assert p == q and hash(p) == hash(q) == hash((1, 2, "h"))  # tags: compare=False
        assert p != Point(2, 2) and p != (1, 2)
        assert Point(1).tags is not Point(1).tags  # a fresh list each time
        assert Point.__match_args__ == ("x", "y", "tags", "hidden")
        assert Point(y=5, x=1) == Point(1, 5)
        with pytest.raises(TypeError):
            Point()
        with pytest.raises(TypeError):
            Point(1, 2, [], "h", "extra")
        with pytest.raises(TypeError):
            Point(1, z=3)
        with pytest.raises(AttributeError):
            p.x = 5
        with pytest.raises(AttributeError):
            del p.x
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'y'"):
        ours.Point(1).y = 2


def test_replace() -> None:
    ours, _ = _both(POINT)
    p = ours.Point(1, 2, ["a"])
    assert replace(p, y=9) == ours.Point(1, 9) and replace(p, y=9).tags == ["a"]
    with pytest.raises(TypeError):
        replace(p, z=1)


def test_unpickled_instances_compare_and_hash() -> None:
    """A record read back from the cache was never initialised: every method still works."""
    ours, _ = _both(POINT)
    p = ours.Point(3, 4)
    back = pickle.loads(pickle.dumps(p))
    assert back == p and hash(back) == hash(p) and repr(back) == repr(p)
    bare = object.__new__(ours.Point)
    bare.__dict__.update(x=3, y=4, tags=[], hidden="h")
    assert bare == p


def test_mutable_classes_are_unhashable_and_settable() -> None:
    for module in _both("@dataclass\nclass Box:\n    items: list = field(default_factory=list)\n"):
        box = module.Box()
        box.items = [1]
        assert box == module.Box([1]) and module.Box.__hash__ is None
        with pytest.raises(TypeError):
            hash(box)


def test_inheritance_puts_the_base_fields_first() -> None:
    source = (
        POINT
        + """
@dataclass(frozen=True)
class Labelled(Point):
    label: str = ""

class Plain(Point):
    pass
"""
    )
    for module in _both(source):
        labelled = module.Labelled(1, label="a")
        assert repr(labelled) == "Labelled(x=1, y=0, tags=[], label='a')"
        assert labelled != module.Point(1) and module.Plain(2).y == 0
        assert module.Labelled.__match_args__ == ("x", "y", "tags", "hidden", "label")


def test_methods_the_body_defines_are_kept() -> None:
    source = """
@dataclass(frozen=True)
class Named:
    name: str
    def __repr__(self) -> str:
        return "<" + self.name + ">"
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Named) and self.name.lower() == other.name.lower()
    def __hash__(self) -> int:
        return hash(self.name.lower())

@dataclass(frozen=True)
class EqOnly:
    name: str
    def __eq__(self, other: object) -> bool:
        return True
"""
    for module in _both(source):
        a, b = module.Named("A"), module.Named("a")
        assert repr(a) == "<A>" and a == b and len({a, b}) == 1
        # __eq__ alone: Python sets __hash__ = None, which the decorator replaces (frozen)
        assert hash(module.EqOnly("x")) == hash(("x",))


def test_order() -> None:
    for module in _both("@dataclass(frozen=True, order=True)\nclass Key:\n    a: int\n    b: str\n"):
        Key = module.Key
        assert sorted([Key(2, "a"), Key(1, "b"), Key(1, "a")]) == [Key(1, "a"), Key(1, "b"), Key(2, "a")]
        assert Key(1, "a") <= Key(1, "a") < Key(1, "b") and Key(2, "a") >= Key(1, "z") > Key(1, "y")


def test_errors_at_decoration() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        _both("@dataclass\nclass Bad:\n    a: int = 0\n    b: int\n")
    with pytest.raises(ValueError, match="mutable default"):
        _both("@dataclass\nclass Bad:\n    a: list = []\n")


def test_a_default_the_class_takes_off_itself_stays_off() -> None:
    """model.RevisionFile deletes two defaults so that its __getattr__ sees the fields."""
    source = """
@dataclass(frozen=True)
class Packed:
    path: str
    sql: tuple = ()
    def __getattr__(self, name):
        if name == "sql":
            return ("unpacked",)
        raise AttributeError(name)
del Packed.sql
"""
    for module in _both(source):
        bare = object.__new__(module.Packed)
        assert bare.sql == ("unpacked",)
        assert module.Packed("p").sql == ()  # the default lives in __init__
        assert bare.sql == ("unpacked",)


def test_a_field_may_take_any_name() -> None:
    ours, _ = _both(
        "@dataclass(frozen=True)\nclass Odd:\n    __set__: int = 1\n    self_: int = field(default_factory=int)\n"
    )
    assert (ours.Odd().__set__, ours.Odd().self_, ours.Odd(3, 4).self_) == (1, 0, 4)


def test_threads_compile_init_once() -> None:
    ours, _ = _both(POINT)
    start = threading.Barrier(8)
    seen: list[object] = []

    def use() -> None:
        start.wait()
        seen.append(ours.Point(1, 2))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [ours.Point(1, 2)] * 8


def test_start_up_compiles_nothing_and_imports_no_dataclasses() -> None:
    """The point of the module: importing the CLI, the pipeline and every rule neither
    compiles a method nor imports `dataclasses` (which imports `inspect`)."""
    probe = (
        "import sys, miglint.cli, miglint.pipeline, miglint.rules, miglint.model\n"
        "compiled = sorted(c.__qualname__ for m in list(sys.modules.values()) if m.__name__.startswith('miglint')\n"
        "    for c in vars(m).values() if isinstance(c, type) and c.__module__ == m.__name__\n"
        "    and '__record_fields__' in c.__dict__ and c.__init__.__code__.co_filename.startswith('<'))\n"
        "print(compiled, 'dataclasses' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    # the argument defaults built at import (B008 in pyproject.toml) and rule.Example
    assert out.split("] ") == ["['Example', 'FixesShown', 'Options'", "False\n"]

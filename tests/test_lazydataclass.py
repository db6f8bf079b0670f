"""miglint.lazydataclass: the standard decorator's classes, made on first use."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import threading
import types

import pytest
from miglint.lazydataclass import dataclass, field, replace


def _made(cls: type) -> bool:
    return "_lazy_dataclass" not in cls.__dict__


def _module(source: str) -> types.ModuleType:
    """Classes defined afresh for each test: a made class stays made."""
    module = types.ModuleType(f"lazy_{abs(hash(source))}")
    module.__dict__.update(dataclass=dataclass, field=field)
    sys.modules[module.__name__] = module  # pickle finds classes by module
    exec(compile("from __future__ import annotations\n" + source, module.__name__, "exec"), module.__dict__)
    return module


POINT = """
@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: list = field(default_factory=list, compare=False)
"""


def test_nothing_is_generated_until_first_use() -> None:
    Point = _module(POINT).Point
    assert not _made(Point)
    p = Point(1)
    assert _made(Point)
    assert (p.x, p.y, p.tags) == (1, 0, [])
    assert repr(p) == "Point(x=1, y=0, tags=[])"


def test_a_made_class_behaves_as_the_standard_decorator_makes_it() -> None:
    Point = _module(POINT).Point
    p, q = Point(1, 2, ["a"]), Point(1, 2)
    assert p == q and hash(p) == hash(q)  # tags: compare=False
    assert p != Point(2, 2)
    assert Point(1).tags is not Point(1).tags  # a fresh list each time
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.x  # type: ignore[misc]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y", "tags"]
    assert Point.__match_args__ == ("x", "y", "tags")
    assert dataclasses.is_dataclass(Point)


@pytest.mark.parametrize("first_use", ["eq", "hash", "repr", "setattr", "fields", "replace", "match_args"])
def test_any_first_use_makes_the_class(first_use: str) -> None:
    """Whatever is asked first (an unpickled record calls no __init__) gets the real answer."""
    Point = _module(POINT).Point
    p = pickle.loads(pickle.dumps(Point.__new__(Point)))
    p.__dict__.update(x=3, y=4, tags=[])
    assert not _made(Point)
    if first_use == "eq":
        assert p == pickle.loads(pickle.dumps(p))
    elif first_use == "hash":
        assert hash(p) == hash((3, 4))
    elif first_use == "repr":
        assert repr(p) == "Point(x=3, y=4, tags=[])"
    elif first_use == "setattr":
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.y = 1
    elif first_use == "fields":
        assert [f.name for f in dataclasses.fields(p)] == ["x", "y", "tags"]
    elif first_use == "replace":
        assert replace(p, y=9) == Point(3, 9)
    else:
        assert Point.__match_args__ == ("x", "y", "tags")
    assert _made(Point)


def test_unpickling_makes_nothing() -> None:
    Point = _module(POINT).Point
    blob = pickle.dumps({"p": 1})  # a class never made is pickled and read back as is
    instance = object.__new__(Point)
    instance.__dict__.update(x=1, y=2, tags=[])
    back = pickle.loads(pickle.dumps(instance))
    assert pickle.loads(blob) == {"p": 1}
    assert back.__dict__ == {"x": 1, "y": 2, "tags": []}
    assert not _made(Point)


def test_mutable_classes_are_unhashable_and_settable() -> None:
    Box = _module("@dataclass\nclass Box:\n    items: list = field(default_factory=list)\n").Box
    assert Box.__hash__ is None
    box = Box()
    box.items = [1]
    assert box == Box([1])
    with pytest.raises(TypeError):
        hash(box)


def test_inheritance_makes_the_base_first() -> None:
    module = _module(
        POINT
        + """
@dataclass(frozen=True)
class Labelled(Point):
    label: str = ""

class Plain(Point):
    pass
"""
    )
    labelled = module.Labelled(1, label="a")
    assert _made(module.Point) and repr(labelled) == "Labelled(x=1, y=0, tags=[], label='a')"
    assert module.Plain(2).y == 0


def test_methods_the_body_defines_are_kept() -> None:
    module = _module(
        """
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
    )
    a, b = module.Named("A"), module.Named("a")
    assert repr(a) == "<A>" and a == b and len({a, b}) == 1
    # __eq__ alone: Python sets __hash__ = None, which the standard decorator replaces (frozen)
    assert hash(module.EqOnly("x")) == hash(("x",))


def test_order() -> None:
    Key = _module("@dataclass(frozen=True, order=True)\nclass Key:\n    a: int\n    b: str\n").Key
    assert sorted([Key(2, "a"), Key(1, "b"), Key(1, "a")]) == [Key(1, "a"), Key(1, "b"), Key(2, "a")]


def test_a_default_the_class_takes_off_itself_stays_off() -> None:
    """model.RevisionFile deletes two defaults so that its __getattr__ sees the fields."""
    module = _module(
        """
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
    )
    bare = object.__new__(module.Packed)
    assert bare.sql == ("unpacked",)
    assert module.Packed("p").sql == ()  # the default lives in the generated __init__
    assert "sql" not in module.Packed.__dict__ and bare.sql == ("unpacked",)


def test_threads_make_a_class_once() -> None:
    Point = _module(POINT).Point
    start = threading.Barrier(8)
    seen: list[object] = []

    def use() -> None:
        start.wait()
        seen.append(Point(1, 2))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [Point(1, 2)] * 8


def test_importing_the_cli_the_pipeline_and_every_rule_makes_four_classes() -> None:
    """The point of the module: of miglint's ~85 dataclasses, start-up makes only those
    it builds instances of at import (argument defaults, the rules' examples)."""
    probe = (
        "import sys, miglint.cli, miglint.pipeline, miglint.rules, miglint.model\n"
        "made = [c.__qualname__ for m in list(sys.modules.values()) if m.__name__.startswith('miglint')\n"
        "        for c in vars(m).values() if isinstance(c, type) and c.__module__ == m.__name__\n"
        "        and isinstance(c.__dict__.get('__dataclass_fields__'), dict)]\n"
        "print(sorted(made))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    # the argument defaults (B008 in pyproject.toml) and rule.Example
    assert out.split() == ["['Example',", "'FixesShown',", "'Fixing',", "'Options']"]

"""`@dataclass` whose methods are generated on first use, not when the module is imported.

The standard decorator writes each class's `__init__`, `__repr__`, `__eq__`,
`__hash__` (and, frozen, `__setattr__`/`__delattr__`) as source text and compiles it,
one `exec` per method: for miglint's ~85 dataclasses that was 40-70 ms of every run's
start-up, more than Python's own start-up and most of a one-file-changed run. Most runs
construct only a few of these classes (a record read back from the cache is unpickled,
which calls none of those methods), so here the decorator only puts stand-ins in
place; the first call of any of them hands the class to the standard decorator, with
the same arguments, and carries on with the real method. What a class is once made is
exactly what `dataclasses.dataclass` makes: the stand-ins leave nothing behind.

`field` and `replace` are here too, so that no module imports `dataclasses` (and
`inspect`, which it imports) at load time.
"""

from __future__ import annotations

import sys
from _thread import RLock
from typing import Any, Callable, TypeVar

T = TypeVar("T", bound=type)

_making = RLock()  # a class is made once, whichever thread first needs it
_MISSING = object()
# the attributes the standard decorator would add; read through a stand-in, each makes the class
_LAZY_ATTRIBUTES = ("__dataclass_fields__", "__dataclass_params__", "__match_args__")


class _Field:
    """What `field(...)` leaves in the class body until the class is made."""

    __slots__ = ("options",)

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options


def field(**options: Any) -> Any:
    """`dataclasses.field`, for a class decorated here."""
    return _Field(options)


def replace(instance: Any, /, **changes: Any) -> Any:
    """`dataclasses.replace`."""
    import dataclasses

    _make(type(instance))
    return dataclasses.replace(instance, **changes)


def dataclass(cls: T | None = None, /, *, frozen: bool = False, order: bool = False) -> Any:
    """`dataclasses.dataclass(cls, frozen=frozen, order=order)`, made when first needed."""

    def wrap(cls: T) -> T:
        _defer(cls, {"frozen": frozen, "order": order})
        return cls

    return wrap if cls is None else wrap(cls)


class _ClassAttribute:
    """A stand-in for an attribute the standard decorator sets on the class."""

    def __init__(self, owner: type, name: str) -> None:
        self.owner = owner
        self.name = name

    def __get__(self, instance: Any, cls: type | None = None) -> Any:
        _make(self.owner)
        return getattr(self.owner if cls is None else cls, self.name)


def _defer(cls: type, options: dict[str, bool]) -> None:
    stand_ins: dict[str, Any] = {}

    def method(name: str) -> Callable[..., Any]:
        def stand_in(self: Any, *args: Any, **kwargs: Any) -> Any:
            _make(cls)
            return getattr(cls, name)(self, *args, **kwargs)

        stand_in.__name__ = stand_in.__qualname__ = name
        return stand_in

    own = cls.__dict__
    frozen = options["frozen"]
    names = ["__init__", "__repr__", "__eq__"]
    if frozen:
        names += ["__setattr__", "__delattr__"]
    if options["order"]:
        names += ["__lt__", "__le__", "__gt__", "__ge__"]
    for name in names:
        if name not in own:
            stand_ins[name] = method(name)
    # A body that defines __eq__ alone has __hash__ = None from Python, which the standard
    # decorator treats as not defined: frozen, it writes one; else it sets None itself.
    if (own.get("__hash__", _MISSING) is None and "__eq__" in own) or "__hash__" not in own:
        stand_ins["__hash__"] = method("__hash__") if frozen else None
    for name in _LAZY_ATTRIBUTES:
        stand_ins[name] = _ClassAttribute(cls, name)
    for name, value in stand_ins.items():
        setattr(cls, name, value)
    # the defaults, for a class that takes some off itself once decorated (model.RevisionFile)
    defaults = {name: own[name] for name in own.get("__annotations__", {}) if name in own}
    cls._lazy_dataclass = (options, stand_ins, defaults)  # type: ignore[attr-defined]


def _make(cls: type) -> None:
    """Hand `cls` (and first its lazily decorated bases) to the standard decorator, once."""
    with _making:
        pending = cls.__dict__.get("_lazy_dataclass")
        if pending is None:
            return  # made already (or by another thread meanwhile)
        for base in cls.__mro__[1:]:
            if "_lazy_dataclass" in base.__dict__:
                _make(base)
        options, stand_ins, defaults = pending
        for name, value in stand_ins.items():
            if cls.__dict__.get(name, _MISSING) is value:
                delattr(cls, name)
        taken_off = [name for name in defaults if name not in cls.__dict__]
        for name, value in defaults.items():
            setattr(cls, name, _standard_field(value) if isinstance(value, _Field) else value)
        del cls._lazy_dataclass  # type: ignore[attr-defined]
        import dataclasses

        dataclasses.dataclass(cls, **options)
        for name in taken_off:  # as it was: the generated __init__ holds the default
            if name in cls.__dict__:
                delattr(cls, name)


def _standard_field(marker: _Field) -> Any:
    import dataclasses

    return dataclasses.field(**marker.options)


def make_all(module_name: str) -> None:
    """Make every lazily decorated class of a module now (tests compare with the standard decorator)."""
    for value in list(vars(sys.modules[module_name]).values()):
        if isinstance(value, type) and "_lazy_dataclass" in value.__dict__:
            _make(value)

"""`@dataclass` for miglint's own record classes, at a fraction of the start-up cost.

The standard decorator writes each class's `__init__`, `__repr__`, `__eq__`,
`__hash__` (and, frozen, `__setattr__`/`__delattr__`) as source text and compiles it,
one `exec` per method, and imports `inspect` to do so: for miglint's ~85 dataclasses
that was 40-70 ms of every run's start-up, more than Python's own start-up and most of
a one-file-changed run, although most runs construct only a few of these classes (a
record read back from the cache is unpickled, which calls none of those methods).

Here decorating a class only reads its fields. `__init__` is compiled when the class
is first instantiated, as the standard decorator writes it (it is the one method that
runs for every record a cold run builds); the other methods are shared functions that
read the fields through `operator.attrgetter`, which compiles nothing. The behaviour is
the standard decorator's for what miglint uses: fields from annotations in definition
order (a base's first), `ClassVar` annotations skipped, defaults, `field(default=,
default_factory=, compare=, repr=)`, `frozen`, `order`, methods the class body defines
kept, `__match_args__`, `replace`. Not supported, because nothing here uses them:
`init=False`, `kw_only`, `InitVar`, `__post_init__`, `slots`, `dataclasses.fields()`
(the class is not a dataclass to the `dataclasses` module).
"""

from __future__ import annotations

from _thread import RLock
from operator import attrgetter
from typing import Any, Callable, TypeVar

T = TypeVar("T", bound=type)

_MISSING: Any = object()
_making = RLock()  # __init__ is compiled once, whichever thread first needs it


class FrozenInstanceError(AttributeError):
    """Assigning to or deleting a field of a frozen instance."""


class _Field:
    """One field: what `field(...)` says, or a plain default."""

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(
        self,
        default: Any = _MISSING,
        default_factory: Callable[[], Any] | Any = _MISSING,
        compare: bool = True,
        repr: bool = True,
    ) -> None:
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr
        self.name = ""

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is _MISSING


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | Any = _MISSING,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """`dataclasses.field`, for the keywords miglint uses."""
    return _Field(default, default_factory, compare, repr)


def replace(instance: Any, /, **changes: Any) -> Any:
    """`dataclasses.replace`: a new instance with `changes`, every other field as it is."""
    for spec in type(instance).__record_fields__:
        if spec.name not in changes:
            changes[spec.name] = getattr(instance, spec.name)
    return type(instance)(**changes)


def dataclass(cls: T | None = None, /, *, frozen: bool = False, order: bool = False) -> Any:
    """`dataclasses.dataclass(cls, frozen=frozen, order=order)`."""

    def wrap(cls: T) -> T:
        _decorate(cls, frozen, order)
        return cls

    return wrap if cls is None else wrap(cls)


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__origin__", annotation)
    if not isinstance(text, str):
        return repr(text).startswith("typing.ClassVar")
    return text.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))


def _annotations(cls: type) -> dict[str, Any]:
    """The class body's own annotations (Python 3.14 computes them on first access)."""
    found = cls.__dict__.get("__annotations__")  # noqa: RUF063  (the body's own, not a base's)
    if found is None and "__annotate__" in cls.__dict__:
        found = cls.__annotations__
    return found or {}


def _own_fields(cls: type) -> list[_Field]:
    own = []
    for name, annotation in _annotations(cls).items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, _Field) else _Field(default=value)
        spec.name = name
        if isinstance(value, _Field):
            if spec.default is _MISSING:
                delattr(cls, name)  # as the standard decorator: no class attribute for a factory
            else:
                setattr(cls, name, spec.default)
        if isinstance(spec.default, (list, dict, set)):
            raise ValueError(
                f"mutable default {type(spec.default)} for field {name} is not allowed: use default_factory"
            )
        own.append(spec)
    return own


def _decorate(cls: type, frozen: bool, order: bool) -> None:
    fields: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for spec in base.__dict__.get("__record_fields__", ()):
            fields[spec.name] = spec
    for spec in _own_fields(cls):
        fields[spec.name] = spec
    specs = tuple(fields.values())
    seen_default = None
    for spec in specs:
        if not spec.required:
            seen_default = spec.name
        elif seen_default is not None:
            raise TypeError(f"non-default argument {spec.name!r} follows default argument")
    own = cls.__dict__
    cls.__record_fields__ = specs  # type: ignore[attr-defined]
    cls.__match_args__ = tuple(spec.name for spec in specs)  # type: ignore[attr-defined]
    compared = _getter([s.name for s in specs if s.compare])
    shown = [s.name for s in specs if s.repr]

    def __repr__(self: Any) -> str:
        inside = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inside})"

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    methods: dict[str, Any] = {"__init__": _compiling_init(cls), "__repr__": __repr__, "__eq__": __eq__}
    if order:
        methods.update(_ordering(compared))
    if frozen:
        names = frozenset(fields)

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is cls or name in names:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is cls or name in names:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)

        methods.update(__setattr__=__setattr__, __delattr__=__delattr__)
    for name, method in methods.items():
        if name not in own:
            method.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(cls, name, method)
    # A body that defines __eq__ alone has __hash__ = None from Python, which the standard
    # decorator treats as not defined: frozen, it writes one; else it sets None itself.
    if (own.get("__hash__", _MISSING) is None and "__eq__" in own) or "__hash__" not in own:
        if frozen:

            def __hash__(self: Any) -> int:
                return hash(compared(self))

            __hash__.__qualname__ = f"{cls.__qualname__}.__hash__"
            cls.__hash__ = __hash__  # type: ignore[assignment]
        else:
            cls.__hash__ = None  # type: ignore[assignment]
    cls.__record_frozen__ = frozen  # type: ignore[attr-defined]


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The fields' values as a tuple, as the standard decorator compares and hashes them."""
    if not names:
        return lambda _: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda instance: (one(instance),)
    return attrgetter(*names)  # type: ignore[return-value]


def _ordering(compared: Callable[[Any], tuple[Any, ...]]) -> dict[str, Callable[[Any, Any], Any]]:
    def __lt__(self: Any, other: Any) -> Any:
        return compared(self) < compared(other) if other.__class__ is self.__class__ else NotImplemented

    def __le__(self: Any, other: Any) -> Any:
        return compared(self) <= compared(other) if other.__class__ is self.__class__ else NotImplemented

    def __gt__(self: Any, other: Any) -> Any:
        return compared(self) > compared(other) if other.__class__ is self.__class__ else NotImplemented

    def __ge__(self: Any, other: Any) -> Any:
        return compared(self) >= compared(other) if other.__class__ is self.__class__ else NotImplemented

    return {"__lt__": __lt__, "__le__": __le__, "__gt__": __gt__, "__ge__": __ge__}


def _compiling_init(cls: type) -> Callable[..., None]:
    """A stand-in that compiles the class's real __init__ on its first call."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        with _making:
            if cls.__dict__.get("__init__") is __init__:
                cls.__init__ = _compiled_init(cls)  # type: ignore[misc]
        cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

    return __init__


def _compiled_init(cls: type) -> Callable[..., None]:
    specs: tuple[_Field, ...] = cls.__record_fields__  # type: ignore[attr-defined]
    frozen = cls.__record_frozen__  # type: ignore[attr-defined]
    # a field's name is a parameter of the function compiled here: the names it reads
    # besides are ones no field takes (the standard decorator's are like them)
    scope: dict[str, Any] = {
        "__lazydataclass_missing__": _MISSING,
        "__lazydataclass_set__": object.__setattr__,
    }
    parameters, body = [], []
    for index, spec in enumerate(specs):
        name = spec.name
        if spec.default_factory is not _MISSING:
            scope[f"__lazydataclass_factory{index}__"] = spec.default_factory
            parameters.append(f"{name}=__lazydataclass_missing__")
            value = f"__lazydataclass_factory{index}__() if {name} is __lazydataclass_missing__ else {name}"
        else:
            if spec.default is not _MISSING:
                scope[f"__lazydataclass_default{index}__"] = spec.default
                parameters.append(f"{name}=__lazydataclass_default{index}__")
            else:
                parameters.append(name)
            value = name
        body.append(f"__lazydataclass_set__(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    source = f"def __init__(self, {', '.join(parameters)}):\n " + "\n ".join(body or ["pass"]) + "\n"
    exec(compile(source, f"<{cls.__qualname__}.__init__>", "exec"), scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init

"""Arguments of a shipped host call, as JSON.

Plain JSON values travel as they are. A dataclass travels as
`{"__dataclass__": "<name>", "fields": {...}}`, where the name must be one of
core.docker.host_calls.SHIPPABLE_TYPES: the agent builds only those classes, with only their
declared fields, and never imports a name it reads from the wire. A plain dict that happens to
hold a marker key travels wrapped as `{"__dict__": {...}}`, so data is never read as a marker.
"""

import dataclasses

from django.utils.module_loading import import_string

from core.docker.host_calls import SHIPPABLE_TYPES

DATACLASS, FIELDS, PLAIN_DICT = "__dataclass__", "fields", "__dict__"
_MARKERS = frozenset({DATACLASS, PLAIN_DICT})
_SCALARS = (str, int, float, bool, type(None))
_NAMES_BY_PATH = {path: name for name, path in SHIPPABLE_TYPES.items()}


class UnshippableValue(ValueError):
    """A value that has no wire form, or a wire form that names no allowed class."""


def _type_name(cls: type) -> str:
    name = _NAMES_BY_PATH.get(f"{cls.__module__}.{cls.__qualname__}")
    if name is None:
        raise UnshippableValue(f"{cls.__qualname__} cannot be shipped to an agent")
    return name


def encode(value):
    if isinstance(value, _SCALARS):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {DATACLASS: _type_name(type(value)), FIELDS: fields}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise UnshippableValue("Only string keys can be shipped to an agent")
        encoded = {key: encode(item) for key, item in value.items()}
        return {PLAIN_DICT: encoded} if _MARKERS & encoded.keys() else encoded
    raise UnshippableValue(f"{type(value).__name__} cannot be shipped to an agent")


def _build(name, fields):
    path = SHIPPABLE_TYPES.get(name) if isinstance(name, str) else None
    if path is None:
        raise UnshippableValue(f"{name!r} is not a shippable type")
    if not isinstance(fields, dict):
        raise UnshippableValue(f"Malformed fields of {name}")
    cls = import_string(path)
    declared = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = fields.keys() - declared
    if unknown:
        raise UnshippableValue(f"Unknown fields of {name}: {', '.join(sorted(unknown))}")
    try:
        return cls(**{key: decode(item) for key, item in fields.items()})
    except TypeError as exc:
        raise UnshippableValue(f"Malformed {name}: {exc}") from exc


def decode(value):
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if DATACLASS in value:
        if value.keys() != {DATACLASS, FIELDS}:
            raise UnshippableValue("Malformed dataclass on the wire")
        return _build(value[DATACLASS], value[FIELDS])
    if value.keys() == {PLAIN_DICT}:
        value = value[PLAIN_DICT]
        if not isinstance(value, dict):
            raise UnshippableValue("Malformed dict on the wire")
    return {key: decode(item) for key, item in value.items()}


def encode_call(args: tuple, kwargs: dict) -> tuple[list, dict]:
    return encode(list(args)), encode(dict(kwargs))


def decode_call(args, kwargs) -> tuple[list, dict]:
    args, kwargs = decode(args or []), decode(kwargs or {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise UnshippableValue("Malformed call arguments")
    return args, kwargs

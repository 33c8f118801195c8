"""Hiding secrets of integration configs on read, and keeping them when the mask comes back
(fixes spec §14.37).

A key is secret when its name, lower-cased without `_`/`-`, is one of SECRET_NAMES or
contains one of SECRET_FRAGMENTS (so `api_key`, `appKey`, `secret_access_key`,
`access_key_id`, `bearerToken`, `basicAuth.password`... at any depth). Every value under a
`headers` object is secret too (Authorization, X-Api-Key...). Secret values read
"***REDACTED***"; a PUT/PATCH that sends that mask back keeps the stored value.
"""

from typing import Any

MASK = "***REDACTED***"
SECRET_NAMES = frozenset({"secret", "password", "passwd", "token", "apikey", "appkey"})
SECRET_FRAGMENTS = (
    "secret",
    "password",
    "passphrase",
    "token",
    "apikey",
    "appkey",
    "accesskey",
    "privatekey",
    "credential",
    "routingkey",
    "integrationkey",
)
HEADERS_KEY = "headers"


class MaskedWithoutSecret(ValueError):
    """A mask came back where nothing is stored to keep."""

    def __init__(self, path: str):
        super().__init__(f"config.{path} is {MASK} but no stored value exists to keep")


def is_secret_key(name: str) -> bool:
    folded = name.lower().replace("_", "").replace("-", "")
    return folded in SECRET_NAMES or any(fragment in folded for fragment in SECRET_FRAGMENTS)


def _mask(value: Any) -> Any:
    return value if value is None or value == "" else MASK


def redact(value: Any, *, all_secret: bool = False) -> Any:
    """A copy of `value` with every secret replaced by MASK."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if all_secret or is_secret_key(str(key)):
                result[key] = _mask(item) if not isinstance(item, dict | list) else MASK
            elif key == HEADERS_KEY and isinstance(item, dict):
                result[key] = {name: _mask(text) for name, text in item.items()}
            else:
                result[key] = redact(item)
        return result
    if isinstance(value, list):
        return [redact(item, all_secret=all_secret) for item in value]
    return _mask(value) if all_secret else value


_MISSING = object()


def _child(stored: Any, key: Any) -> Any:
    if isinstance(stored, dict) and isinstance(key, str):
        return stored.get(key, _MISSING)
    if isinstance(stored, list) and isinstance(key, int) and key < len(stored):
        return stored[key]
    return _MISSING


def restore_masked(new: Any, stored: Any, path: str = "") -> Any:
    """`new` with every MASK replaced by the stored value at the same place (a GET-edit-PUT
    round trip keeps secrets). Raises MaskedWithoutSecret when nothing is stored there."""
    if isinstance(new, str) and new == MASK:
        if stored is _MISSING or stored is None:
            raise MaskedWithoutSecret(path or "config")
        return stored
    if isinstance(new, dict):
        return {
            key: restore_masked(item, _child(stored, key), f"{path}.{key}" if path else key)
            for key, item in new.items()
        }
    if isinstance(new, list):
        return [
            restore_masked(item, _child(stored, index), f"{path}[{index}]")
            for index, item in enumerate(new)
        ]
    return new

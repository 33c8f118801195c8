"""What an Expo push token looks like (the check the Expo SDK makes): `ExponentPushToken[...]`
or `ExpoPushToken[...]`, or a bare UUID."""

import re

MAX_LENGTH = 255
_BRACKETED = re.compile(r"(?:ExponentPushToken|ExpoPushToken)\[[^\[\]\s]+\]")
_UUID = re.compile(r"[a-z\d]{8}-[a-z\d]{4}-[a-z\d]{4}-[a-z\d]{4}-[a-z\d]{12}", re.IGNORECASE)


def is_expo_push_token(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= MAX_LENGTH
        and bool(_BRACKETED.fullmatch(value) or _UUID.fullmatch(value))
    )

"""Names people give things (rules, webhooks, schedules, integrations, API keys) are shown in
terminals, logs, admin pages and chat messages. Letters of any script are welcome; characters
that steer how text is displayed are not: control characters (escape sequences, newlines that
forge log lines, NUL) and the bidirectional overrides that make a name read differently from
what it is ("Trojan Source")."""

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_character(text: str) -> str | None:
    """The first character of `text` a name must not hold, as `U+XXXX`, else None."""
    for character in text:
        if character in BIDI_CONTROLS or unicodedata.category(character) == "Cc":
            return f"U+{ord(character):04X}"
    return None


def name_problem(text: str, field: str = "name") -> str | None:
    """The message for a name holding an unsafe character, else None."""
    found = unsafe_character(text)
    return f"{field} must not contain control characters ({found})" if found else None

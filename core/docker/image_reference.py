"""Image references (`[registry[:port]/]path[:tag][@digest]`) parsed the way the engine reads
them, so a registry port is never mistaken for a tag and digests survive."""

import re
from dataclasses import dataclass

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_DOMAIN = re.compile(
    r"(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}")
MAX_REFERENCE_LENGTH = 512


class InvalidReference(ValueError):
    pass


@dataclass(frozen=True)
class ImageReference:
    name: str  # registry (when given) and repository path: "host:5000/team/app"
    tag: str | None = None
    digest: str | None = None

    @property
    def registry(self) -> str | None:
        first, _, rest = self.name.partition("/")
        return first if rest and _looks_like_domain(first) else None

    @property
    def pull_tag(self) -> str:
        """What the engine's `tag` parameter gets: the digest wins, else the tag, else latest."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        if self.digest:
            return f"{self.name}{':' + self.tag if self.tag else ''}@{self.digest}"
        return f"{self.name}:{self.tag or 'latest'}"


def _looks_like_domain(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost"


def parse_reference(text: str) -> ImageReference:
    """Parse and validate an image reference; InvalidReference explains what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidReference("Image reference is required")
    text = text.strip()
    if len(text) > MAX_REFERENCE_LENGTH:
        raise InvalidReference(f"Image reference is longer than {MAX_REFERENCE_LENGTH} characters")
    remainder, _, digest = text.partition("@")
    if "@" in text and not _DIGEST.fullmatch(digest):
        raise InvalidReference(f"Invalid digest in image reference: {digest or '(empty)'}")
    name, tag = remainder, None
    slash, colon = remainder.rfind("/"), remainder.rfind(":")
    if colon > slash:  # a colon after the last slash separates the tag; before it, a port
        name, tag = remainder[:colon], remainder[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise InvalidReference(f"Invalid tag in image reference: {tag or '(empty)'}")
    domain, _, path = name.partition("/")
    if path and _looks_like_domain(domain):
        if not _DOMAIN.fullmatch(domain):
            raise InvalidReference(f"Invalid registry in image reference: {domain}")
    else:
        path = name
    if not _PATH.fullmatch(path):
        raise InvalidReference(
            "Invalid repository name in image reference "
            "(lower-case letters, digits and separators . _ - /)"
        )
    return ImageReference(name=name, tag=tag, digest=digest or None)

"""Search a container's recent log lines by plain text or regular expression.

Regular expressions run on RE2 (google-re2): matching is linear in the input, so no pattern can
hang a worker. The original's rejection of patterns that look catastrophic is kept, with its
messages, for clients that rely on it.
"""

import re
from dataclasses import dataclass

import re2

from core.containers.params import BadRequest, integer, single

SEARCH_LINES = 1000
MAX_QUERY = 1000
MAX_PATTERN = 200
CONTEXT_DEFAULT, CONTEXT_MAX = 2, 5
_TIMESTAMP_PREFIX = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) ")
_GROUP_BODY = r"\((?:[^()\\]|\\.)*"
_LOOKS_CATASTROPHIC = [
    re.compile(_GROUP_BODY + r"(?:[+*]|\})\??\)[+*{]"),  # nested quantifier: (a+)+
    re.compile(_GROUP_BODY + r"\|(?:[^()\\]|\\.)*\)[+*{]"),  # quantified alternation: (a|aa)*
    re.compile(r"\)\{\d+(?:,\d*)?\}"),  # group under a {n,m} quantifier: (ab){2,}
    re.compile(r"\\[1-9]|\\k<"),  # back-reference
]


@dataclass(frozen=True)
class LogSearch:
    query: str
    regex: bool
    context: int


def parse(query_params) -> LogSearch:
    """The search request, validated in the original's order with its messages."""
    q = single(query_params, "q")
    regex = single(query_params, "regex")
    single(query_params, "context")
    if not q:
        raise BadRequest("q (search query) required")
    if len(q) > MAX_QUERY:
        raise BadRequest(f"Query too long (max {MAX_QUERY} chars)")
    context = integer(query_params, "context", CONTEXT_DEFAULT, 0, CONTEXT_MAX, clamp=True)
    return LogSearch(query=q, regex=regex == "true", context=context)


def _regex_matcher(pattern: str):
    if len(pattern) > MAX_PATTERN:
        raise BadRequest(f"Regex pattern too long (max {MAX_PATTERN} chars)")
    if any(check.search(pattern) for check in _LOOKS_CATASTROPHIC):
        raise BadRequest("Potentially unsafe regex pattern")
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error:
        raise BadRequest("Invalid regex pattern") from None
    return lambda text: compiled.search(text) is not None


def matcher(search: LogSearch):
    if search.regex:
        return _regex_matcher(search.query)
    needle = search.query.casefold()
    return lambda text: needle in text.casefold()


def message_of(line: str) -> str:
    """The text the container wrote, without Docker's timestamp."""
    return _TIMESTAMP_PREFIX.sub("", line, count=1)


def run(search: LogSearch, matches, lines: list[str]) -> dict:
    """`{query, totalLines, matches: [{lineNumber, line, context}]}`; line numbers 0-based.
    `matches` comes from `matcher(search)`, built before the logs are read."""
    found = []
    for number, line in enumerate(lines):
        if matches(message_of(line)):
            first, last = max(number - search.context, 0), number + search.context + 1
            found.append({"lineNumber": number, "line": line, "context": lines[first:last]})
    return {"query": search.query, "totalLines": len(lines), "matches": found}

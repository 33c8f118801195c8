"""What travels between a publisher and the web processes, and its compact wire form."""

from dataclasses import dataclass

# Events that get an `id:` and are kept per organisation for `Last-Event-ID` replay.
REPLAYED_EVENTS = frozenset({"alert"})
# Internal control event: close the streams of one principal (never sent to a client).
REVOKE = ":revoke"
ALL_ORGS = "*"


@dataclass(frozen=True, slots=True)
class Message:
    org_id: int | None  # None: every organisation (revocations only)
    event: str
    data_json: str
    event_id: int | None = None

    def encode(self) -> bytes:
        org = ALL_ORGS if self.org_id is None else str(self.org_id)
        event_id = "" if self.event_id is None else str(self.event_id)
        return f"{org}\n{event_id}\n{self.event}\n{self.data_json}".encode()

    @classmethod
    def decode(cls, raw: bytes | str) -> "Message":
        text = raw.decode() if isinstance(raw, bytes) else raw
        org, event_id, event, data_json = text.split("\n", 3)
        return cls(
            org_id=None if org == ALL_ORGS else int(org),
            event=event,
            data_json=data_json,
            event_id=int(event_id) if event_id else None,
        )

    @property
    def replayed(self) -> bool:
        return self.event in REPLAYED_EVENTS

"""The live event stream `GET /api/stream` (spec §4): Server-Sent Events per organisation.

- app.py: the raw ASGI app daphne runs for that path (no Django middleware, no thread per stream).
- hub.py: the per-process registry of open streams and the fan-out to them.
- transports.py: how published events reach every web process (Redis pub/sub, or a Unix
  datagram socket in DATA_DIR in the embedded default).
- publish.py: `publish(org_id, event, data)`, callable from any process.
"""

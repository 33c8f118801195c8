"""Outbound webhooks: CRUD, signed deliveries with retries, a delivery log.

Other features fire events with `core.webhooks.services.dispatch(org_id, event, data)`.
"""

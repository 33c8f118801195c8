"""Django admin: each domain keeps its ModelAdmin classes in its package; importing them here
registers them (Django autodiscovers only this module)."""

from core.accounts import admin as accounts_admin  # noqa: F401
from core.alerts import admin as alerts_admin  # noqa: F401
from core.audit import admin as audit_admin  # noqa: F401
from core.hosts import admin as hosts_admin  # noqa: F401
from core.integrations import admin as integrations_admin  # noqa: F401
from core.maintenance import admin as maintenance_admin  # noqa: F401
from core.outbound import admin as outbound_admin  # noqa: F401
from core.webhooks import admin as webhooks_admin  # noqa: F401

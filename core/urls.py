from django.urls import include, path

from core.api import views
from core.audit.views import AuditLogView
from core.editions.views import EditionView
from core.extensions import registered
from core.metrics.views import metrics_view


def extension_patterns():
    return [
        path(f"{extension.name}/", include(extension.urlconf))
        for extension in registered()
        if extension.urlconf
    ]


urlpatterns = [
    path("", views.ServiceInfoView.as_view(), name="service-info"),
    path("health", views.HealthView.as_view(), name="health"),
    path("source", views.SourceView.as_view(), name="source"),
    path("api/health", views.ApiHealthView.as_view(), name="api-health"),
    path("api/edition", EditionView.as_view(), name="edition"),
    path("api/audit", AuditLogView.as_view(), name="audit-log"),
    path("", include("core.accounts.urls")),
    path("", include("core.hosts.urls")),
    path("", include("core.agents.urls")),
    path("", include("core.stacks.urls")),
    path("api/ext/", include(extension_patterns())),
    path("", include("core.resources.urls")),
    path("", include("core.containers.urls")),
    path("", include("core.stream.urls")),
    path("", include("core.webhooks.urls")),
    path("", include("core.integrations.urls")),
    path("", include("core.metrics_history.urls")),
    path("", include("core.schedules.urls")),
    path("", include("core.push.urls")),
    path("", include("core.alerts.urls")),
    path("", include("core.maintenance.urls")),
    path("", include("core.probes.urls")),
    path("metrics", metrics_view, name="metrics"),
]

from django.urls import include, path

from core.api import views
from core.extensions import registered


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
    path("api/ext/", include(extension_patterns())),
]

"""Routes of the enterprise extension, mounted by core at /api/ext/cockpit-enterprise/."""

from django.urls import path

from core.api.views import ExtensionInfoView

urlpatterns = [
    path("", ExtensionInfoView.as_view(extension="cockpit-enterprise"), name="enterprise-info"),
]

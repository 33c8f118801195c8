"""Routes of the pro extension, mounted by core at /api/ext/cockpit-pro/."""

from django.urls import path

from core.api.views import ExtensionInfoView

urlpatterns = [
    path("", ExtensionInfoView.as_view(extension="cockpit-pro"), name="pro-info"),
]

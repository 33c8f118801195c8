from django.urls import path

from core.probes import views

urlpatterns = [
    path("api/endpoints", views.EndpointProbeView.as_view(), name="endpoints"),
    path("api/ssl", views.CertificateView.as_view(), name="ssl"),
]

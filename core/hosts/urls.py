from django.urls import path

from core.hosts import views

urlpatterns = [
    path("api/hosts", views.HostsView.as_view(), name="api-hosts"),
    # Before <host_id>: host ids are numbers, these two names never are.
    path("api/hosts/overview", views.FleetOverviewView.as_view(), name="api-hosts-overview"),
    path("api/hosts/containers", views.FleetContainersView.as_view(), name="api-hosts-containers"),
    path("api/hosts/<str:host_id>", views.HostDetailView.as_view(), name="api-host"),
    path("api/hosts/<str:host_id>/ping", views.HostPingView.as_view(), name="api-host-ping"),
]

from django.urls import path

from core.hosts import views

urlpatterns = [
    path("api/hosts", views.HostsView.as_view(), name="api-hosts"),
    path("api/hosts/<str:host_id>", views.HostDetailView.as_view(), name="api-host"),
]

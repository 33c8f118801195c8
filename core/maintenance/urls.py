from django.urls import path

from core.maintenance import views

urlpatterns = [
    path("api/maintenance", views.MaintenanceView.as_view(), name="maintenance"),
]

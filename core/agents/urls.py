from django.urls import path

from core.agents import views

urlpatterns = [
    path("api/agents/enroll", views.EnrollView.as_view(), name="agents-enroll"),
    path(
        "api/hosts/<str:host_id>/enrollment",
        views.EnrollmentTokenView.as_view(),
        name="api-host-enrollment",
    ),
]

from django.urls import path

from core.integrations import views

urlpatterns = [
    path("api/integrations", views.IntegrationListView.as_view(), name="integrations"),
    path(
        "api/integrations/adapters",
        views.AdapterListView.as_view(),
        name="integration-adapters",
    ),
    path(
        "api/integrations/<str:integration_id>",
        views.IntegrationDetailView.as_view(),
        name="integration",
    ),
    path(
        "api/integrations/<str:integration_id>/test",
        views.IntegrationTestView.as_view(),
        name="integration-test",
    ),
    path(
        "api/integrations/<str:integration_id>/poll",
        views.IntegrationPollView.as_view(),
        name="integration-poll",
    ),
    path(
        "api/integrations/<str:integration_id>/data",
        views.IntegrationDataView.as_view(),
        name="integration-data",
    ),
]

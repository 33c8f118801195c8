from django.urls import path

from core.webhooks import views

urlpatterns = [
    path("api/webhooks", views.WebhookListView.as_view(), name="webhooks"),
    path("api/webhooks/<str:webhook_id>", views.WebhookDetailView.as_view(), name="webhook"),
    path(
        "api/webhooks/<str:webhook_id>/toggle",
        views.WebhookToggleView.as_view(),
        name="webhook-toggle",
    ),
    path(
        "api/webhooks/<str:webhook_id>/test", views.WebhookTestView.as_view(), name="webhook-test"
    ),
    path(
        "api/webhooks/<str:webhook_id>/secret",
        views.WebhookSecretView.as_view(),
        name="webhook-secret",
    ),
    path(
        "api/webhooks/<str:webhook_id>/deliveries",
        views.WebhookDeliveriesView.as_view(),
        name="webhook-deliveries",
    ),
]

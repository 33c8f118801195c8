from django.urls import path

from core.alerts import views

urlpatterns = [
    path("api/alerts/rules", views.RuleListView.as_view(), name="alert-rules"),
    path("api/alerts/rules/<str:rule_id>", views.RuleDetailView.as_view(), name="alert-rule"),
    path(
        "api/alerts/rules/<str:rule_id>/toggle",
        views.RuleToggleView.as_view(),
        name="alert-rule-toggle",
    ),
    path("api/alerts/events", views.EventListView.as_view(), name="alert-events"),
    path("api/alerts/events/<str:event_id>", views.EventDetailView.as_view(), name="alert-event"),
    path(
        "api/alerts/events/<str:event_id>/ack",
        views.EventAckView.as_view(),
        name="alert-event-ack",
    ),
]

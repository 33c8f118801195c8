from django.urls import path

from core.metrics_history.views import MetricsHistoryView

urlpatterns = [
    path("api/metrics/history", MetricsHistoryView.as_view(), name="metrics-history"),
]

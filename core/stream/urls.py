from django.urls import path

from core.stream.views import StreamTicketView

urlpatterns = [
    path("api/stream/ticket", StreamTicketView.as_view(), name="stream-ticket"),
]

from django.urls import path

from core.schedules import views

urlpatterns = [
    path("api/schedules", views.ScheduleListView.as_view(), name="schedules"),
    path("api/schedules/history", views.ScheduleHistoryView.as_view(), name="schedule-history"),
    path("api/schedules/<str:schedule_id>", views.ScheduleDetailView.as_view(), name="schedule"),
    path(
        "api/schedules/<str:schedule_id>/toggle",
        views.ScheduleToggleView.as_view(),
        name="schedule-toggle",
    ),
    path(
        "api/schedules/<str:schedule_id>/run", views.ScheduleRunView.as_view(), name="schedule-run"
    ),
]

"""Routes of spec §3.3. `<str:...>` takes any path segment so a malformed id gets the original's
400 `Invalid container ID` from the view, never a router 404."""

from django.urls import path

from core.containers import views
from core.containers.fast_read import fast_get

ACTIONS = ("start", "stop", "restart", "pause", "unpause")

urlpatterns = [
    path(
        "api/containers",
        fast_get(views.ContainerListView, views.list_from_memory),
        name="containers",
    ),
    path(
        "api/containers/bulk",
        views.ContainerBulkView.as_view(),
        {"container_id": "bulk"},
        name="containers-bulk",
    ),
    path("api/containers/<str:container_id>", views.ContainerView.as_view(), name="container"),
    path(
        "api/containers/<str:container_id>/logs",
        views.ContainerLogsView.as_view(),
        name="container-logs",
    ),
    path(
        "api/containers/<str:container_id>/logs/search",
        views.ContainerLogSearchView.as_view(),
        name="container-log-search",
    ),
    path(
        "api/containers/<str:container_id>/top",
        views.ContainerTopView.as_view(),
        name="container-top",
    ),
    path(
        "api/containers/<str:container_id>/exec",
        views.ContainerExecView.as_view(),
        name="container-exec",
    ),
    path(
        "api/containers/<str:container_id>/rebuild",
        views.ContainerRebuildView.as_view(),
        name="container-rebuild",
    ),
    *(
        path(
            f"api/containers/<str:container_id>/{action}",
            views.ContainerActionView.as_view(action_name=action),
            name=f"container-{action}",
        )
        for action in ACTIONS
    ),
]

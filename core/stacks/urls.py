from django.urls import path, re_path

from core.stacks import views

# `<name>` is anything up to the next "/"; the views apply the stack-name rule (400 "Invalid
# stack name"). "operations/<id>" comes first so it is never read as a stack's sub-route.
NAME = r"(?P<name>[^/]+)"

urlpatterns = [
    path("api/stacks", views.StackListView.as_view(), name="stack-list"),
    path(
        "api/stacks/operations/<int:operation_id>",
        views.OperationDetailView.as_view(),
        name="stack-operation",
    ),
    re_path(rf"^api/stacks/{NAME}$", views.StackDetailView.as_view(), name="stack-detail"),
    re_path(
        rf"^api/stacks/{NAME}/(?P<action>start|stop|restart)$",
        views.StackActionView.as_view(),
        name="stack-action",
    ),
    re_path(
        rf"^api/stacks/{NAME}/(?P<operation>deploy|pull|down|rollback)$",
        views.StackOperationRequestView.as_view(),
        name="stack-operation-request",
    ),
    re_path(
        rf"^api/stacks/{NAME}/services$", views.StackServicesView.as_view(), name="stack-services"
    ),
    re_path(rf"^api/stacks/{NAME}/logs$", views.StackLogsView.as_view(), name="stack-logs"),
    re_path(
        rf"^api/stacks/{NAME}/versions$",
        views.StackVersionListView.as_view(),
        name="stack-versions",
    ),
    re_path(
        rf"^api/stacks/{NAME}/versions/(?P<number>[0-9]{{1,9}})$",
        views.StackVersionDetailView.as_view(),
        name="stack-version",
    ),
    re_path(
        rf"^api/stacks/{NAME}/operations$",
        views.StackOperationListView.as_view(),
        name="stack-operations",
    ),
]

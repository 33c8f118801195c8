"""Stack endpoints: thin views over the stack selectors, services and operations."""

from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.audit.services import record
from core.http.ratelimit import StrictRateLimit
from core.stacks import operations, presenters, selectors, services
from core.stacks.errors import BadRequest
from core.stacks.models import OperationKind
from core.stacks.names import validate_deployment_name, validate_stack_name
from core.stacks.parsers import LargeJSONParser

MAX_COMPOSE_BYTES = 512 * 1024
MAX_ENV_CHARS = 64 * 1024


def json_object(request) -> Mapping:
    if not isinstance(request.data, Mapping):
        raise BadRequest("Request body must be a JSON object")
    return request.data


def flag(request, name: str) -> bool:
    """Only a literal true (JSON body) or "true" (query string) turns an option on."""
    return json_object(request).get(name) is True or request.query_params.get(name) == "true"


def accepted(operation) -> Response:
    return Response({"operation": presenters.operation(operation)}, status=status.HTTP_202_ACCEPTED)


class StackFilesSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=1000)
    compose = serializers.CharField(max_length=MAX_COMPOSE_BYTES, trim_whitespace=False)
    env = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_ENV_CHARS,
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=256, default="")


class StackListView(TenantAPIView):
    """`GET /api/stacks` (label-derived, plus idle deployments); `POST /api/stacks` stores a
    compose file as a deployment's new version after `compose config` accepted it."""

    roles = {"get": Role.VIEWER, "post": Role.ADMIN}
    # Compose files are often larger than the global 16 KB body limit (BodySizeLimitMiddleware
    # lets a view raise it for its own route).
    max_body_bytes = MAX_COMPOSE_BYTES + MAX_ENV_CHARS + 4096
    parser_classes = [LargeJSONParser]

    @extend_schema(
        operation_id="stacks_list", summary="List compose stacks", responses=OpenApiTypes.OBJECT
    )
    def get(self, request):
        return Response({"stacks": selectors.list_stacks(request.user.org_id, self.get_host())})

    @extend_schema(
        operation_id="stacks_save",
        summary="Create or update a compose deployment (201 when created, 200 when updated)",
        request=StackFilesSerializer,
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        body = StackFilesSerializer(data=json_object(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        validate_deployment_name(data["name"])
        host = self.get_host()
        saved = services.save_version(
            org_id=request.user.org_id,
            host=host,
            name=data["name"],
            compose_text=data["compose"],
            env=data.get("env") or None,
            note=data["note"],
            author=request.user.audit_name,
        )
        if saved.changed:
            action = "stack.create" if saved.created else "stack.update"
            record(request, action, saved.stack.name, f"Version {saved.version.number}")
        stack = selectors.get_deployment(request.user.org_id, host, saved.stack.name)
        return Response(
            {
                "stack": {
                    "name": stack.name,
                    "host": host.slug,
                    "deployment": presenters.deployment(stack, stack.latest_number),
                },
                "version": presenters.version(saved.version, stack.current_version_id),
                "changed": saved.changed,
                "services": saved.services,
            },
            status=status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK,
        )


class StackDetailView(TenantAPIView):
    roles = {"get": Role.VIEWER, "delete": Role.ADMIN}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        operation_id="stacks_retrieve", summary="One compose stack", responses=OpenApiTypes.OBJECT
    )
    def get(self, request, name):
        return Response(selectors.get_stack(request.user.org_id, self.get_host(), name))

    @extend_schema(
        summary="Take a deployment down and forget it (queued operation)",
        responses={202: OpenApiTypes.OBJECT},
    )
    def delete(self, request, name):
        stack = selectors.get_deployment(request.user.org_id, self.get_host(), name)
        operation = operations.request_operation(
            stack,
            OperationKind.DELETE,
            request.user.audit_name,
            {"volumes": request.query_params.get("volumes") == "true"},
        )
        record(request, "stack.delete", stack.name)
        return accepted(operation)


class StackActionView(TenantAPIView):
    """Start, stop or restart the containers of a label-derived stack, one by one. Operators
    may, as they may for single containers (the original required admin, spec §14.12)."""

    roles = {"post": Role.OPERATOR}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        operation_id="stacks_action",
        summary="Start, stop or restart every container of a stack",
        request=None,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, name, action):
        validate_stack_name(name)
        seconds = services.parse_stop_seconds(request.query_params.get("t"))
        results = services.act_on_stack(self.get_host(), name, action, seconds)
        record(request, f"stack.{action}", name, f"{len(results)} containers")
        return Response({"results": results})


class StackOperationRequestView(TenantAPIView):
    """Queue a compose command on a deployment: 202 with the operation to follow."""

    roles = {
        "deploy": Role.OPERATOR,
        "pull": Role.OPERATOR,
        "down": Role.ADMIN,
        "rollback": Role.ADMIN,
    }
    throttle_classes = [StrictRateLimit]

    def initial(self, request, *args, **kwargs):
        self.action = kwargs.get("operation")  # the role check reads it
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="stacks_operation_request",
        summary="Deploy, pull, take down (`volumes`) or roll back (`version`) a deployment",
        request=OpenApiTypes.OBJECT,
        responses={202: OpenApiTypes.OBJECT},
    )
    def post(self, request, name, operation):
        stack = selectors.get_deployment(request.user.org_id, self.get_host(), name)
        author = request.user.audit_name
        if operation == "rollback":
            number = json_object(request).get("version")
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise BadRequest("version must be a positive integer")
            queued = operations.request_rollback(stack, number, author)
            detail = f"Version {number}"
        elif operation == "down":
            queued = operations.request_operation(
                stack, OperationKind.DOWN, author, {"volumes": flag(request, "volumes")}
            )
            detail = "with volumes" if queued.options.get("volumes") else ""
        else:
            queued = operations.request_operation(stack, operation, author)
            detail = f"Version {queued.version.number}" if queued.version else ""
        record(request, f"stack.{operation}", stack.name, detail)
        return accepted(queued)


class StackServicesView(TenantAPIView):
    @extend_schema(
        summary="The services of a stack and their containers (compose ps)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, name):
        host = self.get_host()
        return Response({"services": selectors.services(request.user.org_id, host, name)})


class StackLogsView(TenantAPIView):
    @extend_schema(summary="The last lines of each service's logs", responses=OpenApiTypes.OBJECT)
    def get(self, request, name):
        logs = selectors.logs(
            request.user.org_id,
            self.get_host(),
            name,
            request.query_params.get("service") or None,
            selectors.parse_tail(request.query_params.get("tail")),
        )
        return Response({"logs": logs})


class StackVersionListView(TenantAPIView):
    @extend_schema(
        operation_id="stacks_versions_list",
        summary="Stored versions of a deployment's compose file, newest first",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, name):
        stack = selectors.get_deployment(request.user.org_id, self.get_host(), name)
        return Response({"versions": selectors.versions(stack)})


class StackVersionDetailView(TenantAPIView):
    @extend_schema(
        operation_id="stacks_version_retrieve",
        summary="One stored version with its compose file (env values withheld)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, name, number):
        stack = selectors.get_deployment(request.user.org_id, self.get_host(), name)
        version = selectors.get_version(stack, int(number))
        return Response(
            {"version": presenters.version(version, stack.current_version_id, with_files=True)}
        )


class StackOperationListView(TenantAPIView):
    @extend_schema(
        operation_id="stacks_operations_list",
        summary="Recent operations of a deployment, newest first",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, name):
        stack = selectors.get_deployment(request.user.org_id, self.get_host(), name)
        return Response({"operations": selectors.recent_operations(stack)})


class OperationDetailView(TenantAPIView):
    @extend_schema(
        operation_id="stacks_operation_retrieve",
        summary="Follow an operation: its state and output lines after `after`",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, operation_id):
        raw = request.query_params.get("after", "0")
        if not raw.isdigit():
            raise BadRequest("after must be a non-negative integer")
        after = int(raw)
        operation = selectors.get_operation(request.user.org_id, operation_id)
        lines = selectors.operation_lines(operation, after)
        return Response(
            {
                "operation": presenters.operation(operation),
                "after": after,
                "lines": lines,
                "lastLine": after + len(lines),
            }
        )

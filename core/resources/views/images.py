"""`/api/images`: list, remove, prune, pull."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.audit.services import record
from core.docker import images
from core.docker.errors import DockerAPIError
from core.http.ratelimit import StrictRateLimit
from core.resources.params import READ, WRITE, body_flag, image_id, page, query_flag
from core.resources.serializers import ImagePullSerializer
from core.resources.streaming import streaming_response


class ImageListView(TenantAPIView):
    roles = {"get": READ}

    @extend_schema(summary="Top-level images of the host", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        items, total = page(request, images.list_images(self.get_host()))
        return Response({"images": items, "total": total})


class ImageDetailView(TenantAPIView):
    roles = {"delete": WRITE}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        summary="Remove an image (`?force=true` also untags images in use)",
        responses=OpenApiTypes.OBJECT,
    )
    def delete(self, request, image):
        image = image_id(image)
        force = query_flag(request, "force")
        deleted = images.remove_image(self.get_host(), image, force=force)
        record(request, "image.remove", image)
        return Response({"ok": True, "deleted": deleted})


class ImagePruneView(TenantAPIView):
    roles = {"post": WRITE}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        summary='Remove dangling images (`{"all": true}`: every unused image)',
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        result = images.prune_images(self.get_host(), all_unused=body_flag(request, "all"))
        record(request, "image.prune", detail=f"Reclaimed: {result['SpaceReclaimed']} bytes")
        return Response(result)


def _line(event: dict) -> bytes:
    return (json.dumps(event, separators=(",", ":")) + "\n").encode()


class ImagePullView(TenantAPIView):
    """Streams the engine's progress as NDJSON. A failure the engine reports before any
    progress is an ordinary JSON error with its status; once streaming, a failure is the last
    line `{"done": true, "error": "..."}` (success: `{"done": true, "image", "id"}`)."""

    roles = {"post": WRITE}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        request=ImagePullSerializer,
        summary="Pull an image, streaming progress as NDJSON",
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        serializer = ImagePullSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reference = serializer.validated_data["image"]
        host = self.get_host()
        events = images.pull_image(host, reference)
        first = next(events, None)  # a failure at the very start still gets a real status
        record(request, "image.pull", str(reference))

        def stream():
            try:
                if first is not None:
                    yield _line(first)
                for event in events:
                    yield _line(event)
                image = images.pulled_image_id(host, reference)
            except DockerAPIError as exc:
                yield _line({"done": True, "error": str(exc.detail)})
                return
            finally:
                events.close()  # a departed client: the engine (or the agent) stops the pull
            yield _line({"done": True, "image": str(reference), "id": image})

        return streaming_response(request, stream(), "application/x-ndjson")

"""`/api/volumes`: list, create, remove."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.audit.services import record
from core.docker import volumes
from core.http.ratelimit import StrictRateLimit
from core.resources.params import READ, WRITE, page, query_flag, volume_name
from core.resources.serializers import VolumeCreateSerializer


class VolumeListView(TenantAPIView):
    roles = {"get": READ, "post": WRITE}

    @extend_schema(summary="Volumes of the host", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        items, total = page(request, volumes.list_volumes(self.get_host()))
        return Response({"volumes": items, "total": total})

    @extend_schema(
        summary="Create a volume",
        request=VolumeCreateSerializer,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        serializer = VolumeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        volume = volumes.create_volume(self.get_host(), serializer.to_spec())
        record(request, "volume.create", volume["name"])
        return Response(volume, status=status.HTTP_201_CREATED)


class VolumeDetailView(TenantAPIView):
    roles = {"delete": WRITE}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        summary="Remove a volume (409 while a container uses it)", responses=OpenApiTypes.OBJECT
    )
    def delete(self, request, name):
        name = volume_name(name)
        volumes.remove_volume(self.get_host(), name, force=query_flag(request, "force"))
        record(request, "volume.remove", name)
        return Response({"ok": True})

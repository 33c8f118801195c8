"""`/api/networks`: list, create, remove."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.audit.services import record
from core.docker import networks
from core.http.ratelimit import StrictRateLimit
from core.resources.params import READ, WRITE, network_id, page
from core.resources.serializers import NetworkCreateSerializer


class NetworkListView(TenantAPIView):
    roles = {"get": READ, "post": WRITE}

    @extend_schema(
        summary="Networks of the host with their running members", responses=OpenApiTypes.OBJECT
    )
    def get(self, request):
        items, total = page(request, networks.list_networks(self.get_host()))
        return Response({"networks": items, "total": total})

    @extend_schema(
        summary="Create a network",
        request=NetworkCreateSerializer,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        serializer = NetworkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        network = networks.create_network(self.get_host(), serializer.to_spec())
        record(request, "network.create", network["name"])
        return Response(network, status=status.HTTP_201_CREATED)


class NetworkDetailView(TenantAPIView):
    roles = {"delete": WRITE}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        summary="Remove a network (not bridge/host/none, not while in use)",
        responses=OpenApiTypes.OBJECT,
    )
    def delete(self, request, network):
        network = network_id(network)
        networks.remove_network(self.get_host(), network)
        record(request, "network.remove", network)
        return Response({"ok": True})

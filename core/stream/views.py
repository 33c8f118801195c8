"""`POST /api/stream/ticket`: a single-use ticket for a browser's EventSource."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from core.accounts.models import Role
from core.accounts.permissions import RolePermission
from core.stream import tickets


class StreamTicketView(APIView):
    permission_classes = [RolePermission]
    roles = {"post": Role.VIEWER}

    @extend_schema(
        summary="A single-use ticket to open /api/stream?ticket=... from a browser",
        request=None,
        responses={
            201: inline_serializer(
                "StreamTicket",
                {"ticket": serializers.CharField(), "expiresIn": serializers.IntegerField()},
            )
        },
    )
    def post(self, request):
        token_expires_at = AccessToken(request.auth, verify=False)["exp"]  # DRF verified it
        ticket, ttl = tickets.issue(request.user, float(token_expires_at))
        return Response({"ticket": ticket, "expiresIn": ttl}, status=201)

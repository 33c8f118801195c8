"""Request bodies of the create and pull routes, validated before the engine sees them."""

from ipaddress import ip_address, ip_network

from rest_framework import serializers

from core.docker.image_reference import InvalidReference, parse_reference
from core.docker.networks import PREDEFINED, NetworkSpec
from core.docker.volumes import VolumeSpec

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
NETWORK_DRIVERS = ("bridge", "macvlan", "ipvlan")
MAX_LABELS = 64


class LabelsField(serializers.DictField):
    """String keys and values, as the engine stores them."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=1024, allow_blank=True), **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > MAX_LABELS:
            raise serializers.ValidationError(f"At most {MAX_LABELS} entries")
        for key in value:
            if not key or len(key) > 256:
                raise serializers.ValidationError("Keys must be 1-256 characters")
        return value


class NetworkCreateSerializer(serializers.Serializer):
    name = serializers.RegexField(NAME_PATTERN, max_length=128)
    driver = serializers.ChoiceField(choices=NETWORK_DRIVERS, default="bridge")
    internal = serializers.BooleanField(default=False)
    labels = LabelsField(required=False, default=dict)
    options = LabelsField(required=False, default=dict)
    subnet = serializers.CharField(required=False, max_length=64)
    gateway = serializers.CharField(required=False, max_length=64)
    ipRange = serializers.CharField(required=False, max_length=64)

    def validate_name(self, value):
        if value in PREDEFINED:
            raise serializers.ValidationError(f"{value} is a predefined network name")
        return value

    def validate_subnet(self, value):
        try:
            return str(ip_network(value, strict=True))
        except ValueError:
            raise serializers.ValidationError(
                "Must be a network in CIDR form with no host bits set, e.g. 10.10.0.0/24"
            ) from None

    def validate_gateway(self, value):
        try:
            return str(ip_address(value))
        except ValueError:
            raise serializers.ValidationError("Must be an IP address") from None

    def validate_ipRange(self, value):
        return self.validate_subnet(value)

    def validate(self, attrs):
        subnet = attrs.get("subnet")
        if not subnet:
            for dependent in ("gateway", "ipRange"):
                if attrs.get(dependent):
                    raise serializers.ValidationError({dependent: "Requires subnet"})
            return attrs
        network = ip_network(subnet)
        if attrs.get("gateway"):
            gateway = ip_address(attrs["gateway"])
            if gateway.version != network.version or gateway not in network:
                raise serializers.ValidationError({"gateway": "Must be inside subnet"})
            if network.num_addresses > 2 and gateway in (
                network.network_address,
                network.broadcast_address,
            ):
                raise serializers.ValidationError({"gateway": "Must be a host address"})
        if attrs.get("ipRange"):
            ip_range = ip_network(attrs["ipRange"])
            if ip_range.version != network.version or not ip_range.subnet_of(network):
                raise serializers.ValidationError({"ipRange": "Must be inside subnet"})
        return attrs

    def to_spec(self) -> NetworkSpec:
        data = self.validated_data
        return NetworkSpec(
            name=data["name"],
            driver=data["driver"],
            internal=data["internal"],
            labels=data["labels"],
            options=data["options"],
            subnet=data.get("subnet"),
            gateway=data.get("gateway"),
            ip_range=data.get("ipRange"),
        )


class VolumeCreateSerializer(serializers.Serializer):
    name = serializers.RegexField(NAME_PATTERN, max_length=128, required=False)
    driver = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$", max_length=128, default="local"
    )
    labels = LabelsField(required=False, default=dict)
    driverOpts = LabelsField(required=False, default=dict)

    def to_spec(self) -> VolumeSpec:
        data = self.validated_data
        return VolumeSpec(
            name=data.get("name"),
            driver=data["driver"],
            labels=data["labels"],
            driver_opts=data["driverOpts"],
        )


class ImagePullSerializer(serializers.Serializer):
    image = serializers.CharField(max_length=512)

    def validate_image(self, value):
        try:
            return parse_reference(value)
        except InvalidReference as exc:
            raise serializers.ValidationError(str(exc)) from None

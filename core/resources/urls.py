from django.urls import path

from core.containers.fast_read import fast_get
from core.resources.views import images, networks, system, volumes

urlpatterns = [
    path(
        "api/overview",
        fast_get(system.OverviewView, system.overview_from_memory),
        name="overview",
    ),
    path("api/system/metrics", system.SystemMetricsView.as_view(), name="system-metrics"),
    path("api/system/docker", system.SystemDockerView.as_view(), name="system-docker"),
    path("api/system/disk", system.SystemDiskView.as_view(), name="system-disk"),
    path("api/system/prune", system.SystemPruneView.as_view(), name="system-prune"),
    path("api/images", images.ImageListView.as_view(), name="images"),
    path("api/images/prune", images.ImagePruneView.as_view(), name="images-prune"),
    path("api/images/pull", images.ImagePullView.as_view(), name="images-pull"),
    # Image references contain slashes (registry/repo:tag), so the id takes the rest of the path.
    path("api/images/<path:image>", images.ImageDetailView.as_view(), name="image-detail"),
    path("api/networks", networks.NetworkListView.as_view(), name="networks"),
    path("api/networks/<str:network>", networks.NetworkDetailView.as_view(), name="network"),
    path("api/volumes", volumes.VolumeListView.as_view(), name="volumes"),
    path("api/volumes/<str:name>", volumes.VolumeDetailView.as_view(), name="volume"),
]

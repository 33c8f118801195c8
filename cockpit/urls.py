from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("core.urls")),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the docs CSP needs no inline JS.
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
]

handler400 = "core.http.errors.bad_request"
handler403 = "core.http.errors.permission_denied"
handler404 = "core.http.errors.page_not_found"
handler500 = "core.http.errors.server_error"

"""Settings of the API benchmark's web process: the production settings, plus a URLconf that
adds the ceiling views (bench/urls.py). Nothing else differs, so the middleware is the same."""

from cockpit.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

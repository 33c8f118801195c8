"""Settings for the test run: the production settings module, fed a test environment.

Only variables the suite must control are set here; everything else keeps its real default, so
the tests exercise the same configuration code as a deployment.
"""

import os
import tempfile

os.environ.setdefault("JWT_SECRET", "test-jwt-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("API_KEY", "test-api-key-0123456789")
os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="cockpit-test-data-")
os.environ.pop("REDIS_URL", None)  # the suite runs the embedded default; Redis tests opt in

from cockpit.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests
ROOT_URLCONF = "tests.urls"
# The suite shares one client IP; rate-limit tests lower these with the `settings` fixture.
RATE_LIMIT_MAX = 1_000_000
RATE_LIMIT_STRICT_MAX = 1_000_000

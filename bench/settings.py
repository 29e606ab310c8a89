"""Settings of the page benchmark: production's, plus the floor page (``bench.urls``).

Every required production variable comes from the environment, as in production; ``bench.pages``
sets them for the gunicorn it starts and for its own process (which counts queries).
"""
from helpdesk.settings.production import *  # noqa: F403
from helpdesk.settings.production import DATA_DIR, INSTALLED_APPS

ROOT_URLCONF = "bench.urls"
# For the floor's template; the app has no models.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
# collectstatic writes here, apart from a production build that may share DATA_DIR.
STATIC_ROOT = DATA_DIR / "bench-static"

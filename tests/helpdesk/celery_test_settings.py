"""Settings for a Celery worker that a test starts: the test run's database and its own queue."""
import os

from helpdesk.settings.test import *  # noqa: F403
from helpdesk.settings.test import DATABASES

# The worker runs in another process: it must open the database the test created, by name.
DATABASES["default"]["NAME"] = os.environ["TEST_DATABASE_NAME"]
# A queue of its own, so that no other worker on the same broker takes the test's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]
# A test that watches emails arrive gives the port of its SMTP server; the worker then
# sends through it, and asks itself to send as soon as rows are queued, as deployed.
if os.environ.get("TEST_SMTP_PORT"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(os.environ["TEST_SMTP_PORT"])
    EMAIL_USE_TLS = False
    EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
    OUTBOX_KICK = True

"""Settings for a Celery worker that a test starts: the test run's database and its own queue."""
import os

from helpdesk.settings.test import *  # noqa: F403
from helpdesk.settings.test import DATABASES

# The worker runs in another process: it must open the database the test created, by name.
DATABASES["default"]["NAME"] = os.environ["TEST_DATABASE_NAME"]
# A queue of its own, so that no other worker on the same broker takes the test's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]

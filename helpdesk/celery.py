"""The Celery app: broker and beat schedule come from Django settings (CELERY_*)."""
import os
from pathlib import Path

from celery import Celery

# Importing any helpdesk module runs this first, helpdesk.wsgi included: a server started without
# DJANGO_SETTINGS_MODULE must get production's checks, never local's DEBUG. manage.py and dev.py
# choose local for development themselves.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.production")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

FILESYSTEM_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def make_filesystem_broker_folders(sender, source, **kwargs):
    """kombu's filesystem transport (the embedded default) fails on folders that do not exist,
    in the worker and in any process that enqueues a task."""
    if not source.broker_url.startswith("filesystem://"):
        return
    options = source.broker_transport_options or {}
    for key in FILESYSTEM_FOLDERS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)

"""Factories for operations records."""
import factory
from django.utils import timezone

from helpdesk.models import JobRun


class JobRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRun

    job = "heartbeat"
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda run: run.started_at)
    counts = factory.LazyFunction(dict)

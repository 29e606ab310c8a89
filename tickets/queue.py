"""The staff queue of T-7 and T-15: which open ticket to answer next."""
import datetime

from django.db.models import (
    Case,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import Tenant

from .lifecycle import Status
from .models import Ticket
from .selectors import PRIORITY_WEIGHT


def ticket_queue(tenant: Tenant, *, now: datetime.datetime | None = None) -> QuerySet[Ticket]:
    """The staff queue (T-7, T-15): HotRush by due time, then overdue first responses,
    then the effective score (priority weight + company offset), then age."""
    now = now or timezone.now()
    open_statuses = [s for s in Status if s != Status.CLOSED]
    return (Ticket.objects.for_tenant(tenant).filter(status__in=open_statuses)
            .select_related("company", "type", "department", "assignee")
            .annotate(
                rush=Case(When(hotrush=True, then=Value(0)), default=Value(1),
                          output_field=IntegerField()),
                rush_due=Case(When(hotrush=True, then=F("first_response_due_at")),
                              default=Value(None), output_field=DateTimeField()),
                overdue=Case(When(Q(first_response_at__isnull=True,
                                    first_response_due_at__lt=now), then=Value(0)),
                             default=Value(1), output_field=IntegerField()),
                score=ExpressionWrapper(PRIORITY_WEIGHT + F("company__priority_offset"),
                                        output_field=DecimalField(max_digits=6,
                                                                  decimal_places=3)),
            )
            .order_by("rush", F("rush_due").asc(nulls_last=True), "overdue", "-score",
                      "created_at"))

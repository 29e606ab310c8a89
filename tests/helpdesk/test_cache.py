"""Redis away: the portal still logs people in and shows their tickets, from the database.

The cache points at a port where nothing listens (a real refused connection, no mock)."""
import logging
import socket

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import PASSWORD, host_client
from tests.tickets.test_portal_common import detail, submit, support_type, text
from tickets import services


@pytest.fixture
def redis_away(settings):
    with socket.socket() as probe:  # a free port, closed again: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "helpdesk.cache.ForgivingRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.5}}}


def test_without_redis_people_log_in_and_see_their_tickets_and_threads(
        redis_away, tenant, customer, agent, caplog):
    ticket = submit(customer, support_type(tenant), subject="Checkout fails")
    services.post_message(ticket=ticket, author=agent, body="Please try again now.")
    client = host_client(tenant)
    with caplog.at_level(logging.WARNING, logger="helpdesk.cache"):
        response = client.post(reverse("accounts:login"),
                               {"email": customer.email, "password": PASSWORD})
        assert response.status_code == 302
        index = client.get(reverse("tickets:index"))
        page = client.get(detail(ticket))
    assert index.status_code == 200 and "Checkout fails" in text(index)
    assert page.status_code == 200 and "Please try again now." in text(page)
    assert "going on without the cache" in caplog.text
    assert cache.get("anything", "missing") == "missing"
    assert cache.add("anything", 1) is False

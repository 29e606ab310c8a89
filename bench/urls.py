"""The app's URLs plus the floor page the benchmark compares the portal pages with."""
from django.urls import path

from helpdesk.urls import urlpatterns as app_urlpatterns

from .floor import floor

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    *app_urlpatterns,
]

from django.urls import path

from . import views

app_name = "licenses"
urlpatterns = [
    path("", views.license_list, name="list"),
]

"""Portal URLs of the Communication Center; tickets are addressed by their number (T-1)."""
from django.urls import path

from . import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_index, name="index"),
    path("hide-closed-rated/", views.hide_closed_rated, name="hide_closed_rated"),
    path("search/", views.message_search, name="search"),
    path("new/", views.ticket_new, name="new"),
    path("<int:number>/", views.ticket_detail, name="detail"),
    path("<int:number>/reply/", views.ticket_reply, name="reply"),
    path("<int:number>/status/", views.ticket_status, name="status"),
    path("<int:number>/priority/", views.ticket_priority, name="priority"),
    path("<int:number>/hotrush/", views.ticket_hotrush, name="hotrush"),
    path("<int:number>/follow/", views.ticket_follow, name="follow"),
    path("<int:number>/quote/", views.ticket_quote, name="quote"),
    path("<int:number>/rate/", views.ticket_rate, name="rate"),
    path("<int:number>/access-info/", views.access_info, name="access_info"),
    path("<int:number>/access-info/show/", views.access_info_show, name="access_info_show"),
    path("<int:number>/access-info/<int:pk>/delete/", views.access_info_delete,
         name="access_info_delete"),
    path("<int:number>/attachments/<int:pk>/", views.attachment_download, name="attachment"),
]

from django.urls import path

from otklik.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("read/", views.read_all, name="read_all"),
]

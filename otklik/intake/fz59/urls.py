from django.urls import path  # noqa: F401

app_name = "fz59"
urlpatterns: list = []

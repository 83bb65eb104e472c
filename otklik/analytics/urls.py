from django.urls import path

from otklik.analytics import views

app_name = "analytics"
urlpatterns = [path("", views.dashboard_page, name="dashboard")]

from django.urls import path

from otklik.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("quarterly/", views.order, name="order"),
    path("runs/status.json", views.status, name="status"),
    path("runs/<int:pk>/download/", views.download, name="download"),
    path("weekly/", views.weekly_list, name="weekly"),
    path("weekly/<int:pk>/", views.weekly_detail, name="weekly_detail"),
]

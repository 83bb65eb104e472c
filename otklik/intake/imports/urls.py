from django.urls import path

from otklik.intake.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.imports, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rejected.xlsx", views.report, name="report"),
]

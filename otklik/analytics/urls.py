from django.urls import path

from otklik.analytics import ratings_views, views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("ratings/", ratings_views.ratings_page, name="ratings"),
    path("ratings/export.xlsx", ratings_views.ratings_export, name="ratings_export"),
    path("ratings/department/<int:pk>/", ratings_views.department_card, name="ratings_department"),
]

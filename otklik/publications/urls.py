from django.urls import path

from otklik.publications import views

app_name = "publications"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("new/", views.post_new, name="post_new"),
    path("export.xlsx", views.export, name="export"),
    path("<int:pk>/", views.post_detail, name="post"),
    path("<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("<int:pk>/published/", views.post_published, name="post_published"),
    path("<int:pk>/<slug:action>/", views.post_action, name="post_action"),
]

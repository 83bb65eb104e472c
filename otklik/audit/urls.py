from django.urls import path

from otklik.audit import views

app_name = "audit"
urlpatterns = [path("", views.audit_page, name="log")]

from django.urls import path

from otklik.intake.fz59 import views

app_name = "fz59"
urlpatterns = [
    path("new/", views.new, name="new"),
    path("<int:pk>/acknowledgement.docx", views.acknowledgement, name="acknowledgement"),
]

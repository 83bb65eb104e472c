"""Residents' satisfaction: the one-page rating form behind the survey link, the operator's phone rating."""

from django.urls import path

from otklik.quality import views

app_name = "quality"
urlpatterns = [
    path("case/<int:pk>/phone/", views.phone_rating, name="phone"),
    path("<str:token>/", views.survey_form, name="form"),
]

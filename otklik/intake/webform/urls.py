from django.urls import path

from otklik.intake.webform import views

app_name = "webform"
urlpatterns = [
    path("report/", views.form, name="form"),
    path("report/done/<str:token>/", views.done, name="done"),
    # A region running many districts: one form per municipality, /report/<code>/ or /report/?mo=<code>.
    path("report/<slug:mo>/", views.form, name="form_for"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/rate/", views.rate_answer, name="rate"),
    path("track/<str:token>/files/<int:attachment_pk>/", views.answer_file, name="file"),
]

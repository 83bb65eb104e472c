from django.urls import path

from otklik.participation import public_views

app_name = "participation_public"
urlpatterns = [
    path("polls/", public_views.index, name="index"),
    path("polls/check/", public_views.track, name="track"),
    # A region running many districts: /polls/?mo=<code> or /polls/mo/<code>/.
    path("polls/mo/<slug:mo>/", public_views.index, name="index_for"),
    path("polls/<slug:slug>/", public_views.poll_page, name="poll"),
    path("discussions/<slug:slug>/", public_views.discussion_page, name="discussion"),
    path("discussions/<slug:slug>/documents/<int:pk>/", public_views.document, name="document"),
    path("transparency/", public_views.transparency_page, name="transparency"),
    path("transparency/<slug:mo>/", public_views.transparency_page, name="transparency_for"),
]

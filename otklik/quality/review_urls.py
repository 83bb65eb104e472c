from django.urls import path

from otklik.quality import review_views

app_name = "review"
urlpatterns = [
    path("", review_views.queue, name="queue"),
    path("<int:pk>/", review_views.answer_page, name="answer"),
    path("<int:pk>/approve/", review_views.approve, name="approve"),
    path("<int:pk>/reject/", review_views.reject, name="reject"),
]

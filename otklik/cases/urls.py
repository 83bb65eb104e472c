from django.urls import path

from otklik.cases import views
from otklik.cases.permissions import ACTIONS

app_name = "cases"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/topic/", views.correct_topic, name="topic"),
    # One POST endpoint per action: /cases/<pk>/take/, /cases/<pk>/answer/ …
    *(path(f"<int:pk>/{action}/", views.act, {"action": action}, name=action) for action in ACTIONS),
]

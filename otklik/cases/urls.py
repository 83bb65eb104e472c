from django.urls import path

from otklik.cases import inbox_views, views
from otklik.cases.permissions import ACTIONS

app_name = "cases"
urlpatterns = [
    path("", inbox_views.inbox_page, name="inbox"),
    path("bulk-assign/", inbox_views.bulk_assign, name="bulk_assign"),
    path("filters/", inbox_views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", inbox_views.delete_filter, name="delete_filter"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/topic/", views.correct_topic, name="topic"),
    path("<int:pk>/place/", views.correct_place, name="place"),
    # One POST endpoint per action: /cases/<pk>/take/, /cases/<pk>/answer/ …
    *(path(f"<int:pk>/{action}/", views.act, {"action": action}, name=action) for action in ACTIONS),
]

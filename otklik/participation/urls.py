from django.urls import path

from otklik.participation import views

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    path("polls/new/", views.poll_new, name="poll_new"),
    path("polls/<int:pk>/", views.poll_detail, name="poll"),
    path("polls/<int:pk>/edit/", views.poll_edit, name="poll_edit"),
    path("polls/<int:pk>/questions/", views.question_add, name="question_add"),
    path("polls/<int:pk>/questions/<int:question_pk>/delete/", views.question_delete, name="question_delete"),
    path("polls/<int:pk>/publish/", views.poll_publish, name="poll_publish"),
    path("polls/<int:pk>/close/", views.poll_close, name="poll_close"),
    path("polls/<int:pk>/results/", views.poll_results, name="poll_results"),
    path("polls/<int:pk>/results.xlsx", views.poll_export, name="poll_export"),
    path("polls/<int:pk>/platform/", views.poll_import, name="poll_import"),
    path("discussions/new/", views.discussion_new, name="discussion_new"),
    path("discussions/<int:pk>/", views.discussion_detail, name="discussion"),
    path("discussions/<int:pk>/edit/", views.discussion_edit, name="discussion_edit"),
    path("discussions/<int:pk>/documents/", views.document_add, name="document_add"),
    path(
        "discussions/<int:pk>/documents/<int:document_pk>/delete/",
        views.document_delete,
        name="document_delete",
    ),
    path("discussions/<int:pk>/publish/", views.discussion_publish, name="discussion_publish"),
    path("discussions/<int:pk>/close/", views.discussion_close, name="discussion_close"),
    path("discussions/<int:pk>/proposals/", views.proposals, name="proposals"),
    path(
        "discussions/<int:pk>/proposals/<int:proposal_pk>/", views.proposal_respond, name="proposal_respond"
    ),
    path(
        "discussions/<int:pk>/proposals/<int:proposal_pk>/delete/",
        views.proposal_delete,
        name="proposal_delete",
    ),
    path("discussions/<int:pk>/conclusion/", views.conclusion, name="conclusion"),
    path("discussions/<int:pk>/protocol.docx", views.protocol, name="protocol"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/<int:comment_pk>/", views.moderate, name="moderate"),
]

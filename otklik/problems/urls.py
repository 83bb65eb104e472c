from django.urls import path

from otklik.problems import views

app_name = "problems"
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("propose/", views.propose, name="propose"),
    path("board/", views.board, name="board"),
    path("accelerated/", views.accelerated, name="accelerated"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/split/", views.split, name="split"),
    path("<int:pk>/cases/move/", views.move_cases, name="move_cases"),
    path("<int:pk>/cases/add/", views.add_case, name="add_case"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/measures/add/", views.add_measure, name="add_measure"),
    path("<int:pk>/measures/<int:mid>/", views.edit_measure, name="edit_measure"),
    path("<int:pk>/measures/<int:mid>/status/", views.measure_status, name="measure_status"),
    path("<int:pk>/measures/<int:mid>/evidence/", views.evidence, name="evidence"),
    path("<int:pk>/roadmap.xlsx", views.roadmap_xlsx, name="roadmap_xlsx"),
    path("<int:pk>/roadmap.docx", views.roadmap_docx, name="roadmap_docx"),
]

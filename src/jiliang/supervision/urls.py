from django.urls import path

from jiliang.supervision import views

app_name = "supervision"

urlpatterns = [
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/<slug:step>/", views.plan_step, name="plan-step"),
    path("tasks/", views.task_list, name="task-list"),
    path("my-tasks/", views.task_list, name="my-tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/evidence/", views.task_evidence, name="task-evidence"),
    path("tasks/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_file, name="evidence-file"),
    path("tasks/<int:pk>/publish/", views.task_publish, name="task-publish"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("checklists/", views.checklist_list, name="checklist-list"),
    path("checklists/<slug:site_kind>/", views.checklist_edit, name="checklist-edit"),
    path("alerts/<int:alert_id>/task/", views.alert_task, name="alert-task"),
    path("public/draws/<int:plan_id>/", views.public_draw, name="public-draw"),
    path("public/results/", views.public_results, name="public-results"),
    path("public/results/<int:pk>/", views.public_result, name="public-result"),
]

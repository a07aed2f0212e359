"""The public portal (/portal/, no sign-in) and the global search results page (/search/)."""

from django.urls import path

from jiliang.portal import views

app_name = "portal"

urlpatterns = [
    path("portal/", views.home, name="home"),
    path("portal/institutions/", views.institutions, name="institutions"),
    path("portal/standards/", views.standards, name="standards"),
    path("portal/transparency/", views.transparency, name="transparency"),
    path("plan/", views.plan_board, name="plan"),
    path("plan/report/<slug:stage>.pdf", views.plan_report, name="plan-report"),
    path("plan/review/", views.plan_review, name="plan-review"),
    path("plan/departments/", views.department_accounts, name="plan-departments"),
    path("plan/departments/<int:user_id>/active/", views.department_account_active, name="plan-department-active"),
    path("plan/<str:key>/", views.plan_task, name="plan-task"),
    path("search/", views.search_page, name="search"),
]

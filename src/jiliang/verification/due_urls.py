from django.urls import path

from jiliang.verification import due_views

app_name = "due"

urlpatterns = [
    path("due-soon/", due_views.due_soon, name="due-soon"),
    path("overdue/", due_views.overdue, name="overdue"),
    path("failed-in-use/", due_views.failed_in_use, name="failed-in-use"),
    path("never-verified/", due_views.never_verified, name="never-verified"),
    path("statistics/", due_views.statistics_page, name="statistics"),
]

from django.urls import path

from jiliang.registry import views

app_name = "registry"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
]

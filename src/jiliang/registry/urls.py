from django.urls import path

from jiliang.registry import views

app_name = "registry"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
    path("sites/", views.site_list, name="site-list"),
    path("sites/new/", views.site_create, name="site-create"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site-edit"),
    path("instrument-types/", views.instrument_type_list, name="instrument-type-list"),
    path("instrument-types/<str:code>/", views.instrument_type_detail, name="instrument-type-detail"),
    path("instrument-types/<str:code>/edit/", views.instrument_type_edit, name="instrument-type-edit"),
    path("instruments/", views.instrument_list, name="instrument-list"),
    path("instruments/new/", views.instrument_create, name="instrument-create"),
    path("instruments/labels/", views.instrument_labels, name="instrument-labels"),
    path("instruments/<int:pk>/", views.instrument_detail, name="instrument-detail"),
    path("instruments/<int:pk>/edit/", views.instrument_edit, name="instrument-edit"),
    path("instruments/<int:pk>/status/", views.instrument_status, name="instrument-status"),
    path("instruments/<int:pk>/label/", views.instrument_label, name="instrument-label"),
]

from django.urls import path

from jiliang.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.grade_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("events/<int:event_pk>/object/", views.objection_new, name="objection-new"),
    path("objections/", views.objection_list, name="objection-list"),
    path("objections/<int:pk>/", views.objection_detail, name="objection"),
    path("weights/", views.weight_list, name="weights"),
    path("weights/<str:kind>/", views.weight_edit, name="weight-edit"),
]

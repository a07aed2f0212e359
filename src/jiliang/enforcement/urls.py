from django.urls import path

from jiliang.enforcement import views

app_name = "enforcement"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<int:pk>/photos/<int:photo_id>", views.complaint_photo, name="complaint-photo"),
    path("complaints/<int:complaint_id>/case", views.case_open, name="case-open"),
    path("alerts/<int:alert_id>/case", views.case_open_from_alert, name="case-open-alert"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/<str:kind>.pdf", views.case_document, name="case-document"),
    path("commitments/", views.commitments, name="commitments"),
    path("model-units/", views.model_units, name="model-units"),
    path("model-units/<int:pk>/publish", views.model_unit_publish, name="model-unit-publish"),
    path("reference/", views.reference_list, name="reference"),
    path("reference/deadlines/<str:group>/<str:name>/", views.deadline_edit, name="deadline-edit"),
    path("reference/bases/<str:key>/", views.legal_basis_edit, name="legal-basis-edit"),
]

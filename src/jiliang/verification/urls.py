from django.urls import path

from jiliang.verification import views
from jiliang.verification.documents import views as document_views

app_name = "verification"

urlpatterns = [
    path("institutions/", views.institution_list, name="institution-list"),
    path("institutions/new/", views.institution_create, name="institution-create"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution-detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution-edit"),
    path("institutions/<int:pk>/authorisations/new/", views.authorisation_create, name="authorisation-create"),
    path("institutions/<int:pk>/qualifications/new/", views.qualification_create, name="qualification-create"),
    path("institutions/<int:pk>/standards/new/", views.standard_create, name="standard-create"),
    path("trust-anchor-proposals/", views.proposal_list, name="proposal-list"),
    path("trust-anchor-proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
    path("trust-anchor-proposals/<int:pk>/approve/", views.proposal_approve, name="proposal-approve"),
    path("trust-anchor-proposals/<int:pk>/reject/", views.proposal_reject, name="proposal-reject"),
    path("standards/<int:pk>/national-root/", views.root_proposal, name="root-proposal"),
    path("standards/", views.standard_list, name="standard-list"),
    path("standards/<int:pk>/", views.standard_detail, name="standard-detail"),
    path("standards/<int:pk>/edit/", views.standard_edit, name="standard-edit"),
    path("standards/<int:pk>/calibrations/new/", views.calibration_create, name="calibration-create"),
    path("standards/<int:pk>/calibrations/import-dcc/", document_views.calibration_import,
         name="calibration-import-dcc"),
    path("standard-calibrations/<int:pk>/suspect/", views.suspect_impact, name="suspect-impact"),
    path("mpe-rules/", views.mpe_rule_list, name="mpe-rule-list"),
    path("mpe-rules/<int:pk>/edit/", views.mpe_rule_edit, name="mpe-rule-edit"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_create, name="request-create"),
    path("requests/new/selected/", views.request_create_many, name="request-create-many"),
    path("requests/accept/", views.request_accept_many, name="request-accept-many"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/accept/", views.request_accept, name="request-accept"),
    path("requests/<int:pk>/reject/", views.request_reject, name="request-reject"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request-cancel"),
    path("records/new/", views.verification_create, name="verification-create"),
    path("records/<int:pk>/", views.verification_detail, name="verification-detail"),
    path("certificates/", views.certificate_list, name="certificate-list"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate-detail"),
    path("certificates/archive/", document_views.certificate_archive, name="certificate-archive"),
    path("certificates/<int:pk>/documents/<str:fmt>/", document_views.certificate_document,
         name="certificate-document"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate-revoke"),
    path("certificates/<int:pk>/supersede/", views.certificate_supersede, name="certificate-supersede"),
    path("instruments/<int:pk>/chain/", views.chain, name="chain"),
]

"""The public certificate check, no sign-in (/check/)."""

from django.urls import path

from jiliang.verification import public_views
from jiliang.verification.documents import views as document_views

app_name = "certificate-check"

urlpatterns = [
    path("", public_views.check, name="check"),
    path("receipt", public_views.receipt, name="receipt"),
    path("document", document_views.document_check, name="document"),
    path("bureau-root-ca.crt", public_views.bureau_root, name="bureau-root"),
]

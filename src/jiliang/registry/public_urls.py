"""Public pages, no sign-in: the instrument ID card a QR label opens (/i/<public code>)."""

from django.urls import path

from jiliang.registry import views

app_name = "registry-public"

urlpatterns = [
    path("<str:code>", views.public_card, name="card"),
    path("<str:code>/qr.svg", views.public_qr, name="qr"),
]

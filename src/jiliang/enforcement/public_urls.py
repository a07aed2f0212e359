"""The public complaint channel and the publication page, no sign-in (/complaints/)."""

from django.urls import path

from jiliang.enforcement import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_form, name="form"),
    path("submitted", views.complaint_submitted, name="submitted"),
    path("track", views.track, name="track"),
    path("penalties", views.penalties, name="penalties"),
]

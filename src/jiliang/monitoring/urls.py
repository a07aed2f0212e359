from django.urls import path

from jiliang.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="alert-assign"),
    path("alerts/<int:pk>/note/", views.alert_note, name="alert-note"),
    path("alerts/<int:pk>/verification-request/", views.alert_verification_request, name="alert-verification-request"),
    path("devices/", views.device_list, name="device-list"),
    path("devices/<int:pk>/", views.device_detail, name="device-detail"),
    path("sites/<int:site_id>/", views.station, name="station"),
]

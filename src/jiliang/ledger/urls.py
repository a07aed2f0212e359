from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("tile/<path:path>", views.tile, name="tile"),
]

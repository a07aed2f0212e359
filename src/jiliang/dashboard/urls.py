from django.urls import path

from jiliang.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.board_page, name="board"),
    path("export/<str:key>.xlsx", views.export, name="export"),
    path("map/", views.map_page, name="map"),
]

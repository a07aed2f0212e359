from django.urls import path

from jiliang.registry.importing import views

app_name = "imports"

urlpatterns = [
    path("", views.import_index, name="index"),
    path("annotated/<str:token>/", views.annotated_download, name="annotated"),
    path("<slug:kind>/", views.import_page, name="upload"),
    path("<slug:kind>/template.<slug:fmt>", views.template_download, name="template"),
]

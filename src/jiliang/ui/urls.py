from django.urls import path

from jiliang.ui import views

app_name = "ui"

urlpatterns = [
    path("", views.home_page, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
]

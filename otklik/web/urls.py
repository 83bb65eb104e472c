from django.contrib.auth import views as auth_views
from django.urls import path

from otklik.accounts.views import OtklikLoginView, login_code
from otklik.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", OtklikLoginView.as_view(), name="login"),
    path("login/code/", login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]

from django.urls import path

from otklik.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/", views.otp_setup, name="otp_setup"),
    path("2fa/off/", views.otp_disable, name="otp_disable"),
]

"""Login with the optional second step (TOTP code), the lock-out page, the account page, password change
and the second factor's set-up."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from otklik.accounts import services
from otklik.accounts.forms import CodeForm, PasswordForm
from otklik.audit.services import record
from otklik.web.forms import LoginForm

#: The session key of a login whose password was right and whose code is still to come.
PENDING = "otklik_pending_login"
#: How long the code may take after the password, seconds.
PENDING_SECONDS = 300


def _minutes(value: int) -> str:
    last, tens = value % 10, value % 100
    if last == 1 and tens != 11:
        return f"{value} минуту"
    if 2 <= last <= 4 and not 12 <= tens <= 14:
        return f"{value} минуты"
    return f"{value} минут"


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page shown instead of the login form while a user name is locked at this address (django-axes)."""
    username = ""
    if isinstance(credentials, dict):
        username = str(credentials.get("username") or "")
    username = username or request.POST.get("username", "")
    context = {
        "username": username[:150],
        "failures": settings.AXES_FAILURE_LIMIT,
        "minutes": _minutes(int(settings.OTKLIK_LOCKOUT_MINUTES)),
    }
    request.session.pop(PENDING, None)
    return render(request, "accounts/locked.html", context, status=429)


class OtklikLoginView(LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if services.confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login_code")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return pending


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return str(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of the login: the code from the authenticator app.

    Also confirms an existing session of a staff member when the second factor is required.
    """
    from axes.handlers.proxy import AxesProxyHandler
    from django_otp import login as otp_login
    from django_otp import match_token

    pending = _pending(request)
    if pending is not None:
        user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
        next_url = str(pending.get("next") or "")
    elif request.user.is_authenticated:
        user = request.user
        next_url = request.GET.get("next") or request.POST.get("next") or ""
    else:
        user = None
    if user is None:
        messages.info(request, "Время ввода кода истекло: войдите ещё раз.")
        return redirect("login")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return locked_out(request, None, credentials)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        device = match_token(user, form.cleaned_data["code"]) if form.is_valid() else None
        if device is not None:
            request.session.pop(PENDING, None)
            if not request.user.is_authenticated or request.user.pk != user.pk:
                auth_login(request, user, backend=pending["backend"] if pending else None)
            otp_login(request, device)
            return redirect(_safe_next(request, next_url))
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return locked_out(request, None, credentials)
        if form.is_valid():
            form.add_error(
                "code",
                "Код не подошёл. Проверьте, что время на телефоне точное, и введите новый код "
                "(после неудачной попытки подождите несколько секунд).",
            )
        status = 400
    return render(request, "accounts/login_code.html", {"form": form, "next": next_url}, status=status)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "device": services.confirmed_device(request.user),
            "required": _second_factor_required(request.user),
        },
    )


def _second_factor_required(user: Any) -> bool:
    return bool(
        getattr(settings, "OTKLIK_REQUIRE_2FA_FOR_ADMINS", False) and (user.is_staff or user.is_superuser)
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        record("user.password_change", actor=user, obj=user)
        messages.success(request, "Пароль изменён.")
        return redirect("accounts:account")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "policy": password_validators_help_texts()},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    from django_otp import login as otp_login

    if services.confirmed_device(request.user) is not None:
        messages.info(request, "Двухфакторная защита уже включена.")
        return redirect("accounts:account")
    device = services.pending_device(request.user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and services.confirm_device(request.user, device, form.cleaned_data["code"]):
            otp_login(request, device)
            messages.success(
                request, "Двухфакторная защита включена: при входе система спросит код из приложения."
            )
            return redirect("accounts:account")
        if form.is_valid():
            form.add_error(
                "code", "Код не подошёл. Проверьте время на телефоне и введите код, который показан сейчас."
            )
        status = 400
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": services.qr_data_uri(device.config_url),
            "secret": services.secret_text(device),
            "required": _second_factor_required(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    from django_otp import match_token

    if _second_factor_required(request.user):
        messages.error(request, "Для администраторов двухфакторная защита обязательна: отключить её нельзя.")
        return redirect("accounts:account")
    form = CodeForm(request.POST)
    if not form.is_valid() or match_token(request.user, form.cleaned_data["code"]) is None:
        messages.error(request, "Код не подошёл: двухфакторная защита не отключена.")
        return redirect("accounts:account")
    services.disable_second_factor(request.user)
    messages.success(request, "Двухфакторная защита отключена.")
    return redirect("accounts:account")

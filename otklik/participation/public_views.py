"""Public pages for residents (no login): open polls and discussions, a poll's page with the code flow and
the answer form, a discussion's page with its documents and comments, the transparency page.

A page that takes answers works in three steps, all on the page itself (no JavaScript needed): the
resident gives an e-mail (or a mobile number), types the code from the message, then answers. The
verified contact stays in the session for a while, for other polls and discussions too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from otklik.intake.webform.selectors import municipality_for
from otklik.intake.webform.services import RateLimited, client_ip, ip_hash
from otklik.participation import codes, rules, selectors, services, transparency
from otklik.participation.forms import BallotForm, CodeForm, CommentForm, ContactForm
from otklik.participation.identity import ContactError
from otklik.participation.models import Discussion
from otklik.participation.sms import sms_enabled
from otklik.territory.models import Municipality

COMMENTS_PER_PAGE = 20
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
FLASH_KEY = "otklik_participation_flash"


def _municipality(request: HttpRequest, mo: str | None = None) -> Municipality:
    municipality = municipality_for(mo or request.GET.get("mo"))
    if municipality is None:
        raise Http404("Муниципальное образование не найдено.")
    return municipality


@require_GET
def index(request: HttpRequest, mo: str | None = None) -> HttpResponse:
    municipality = _municipality(request, mo)
    lists = selectors.public_lists(municipality)
    return render(
        request,
        "participation/public/index.html",
        {"municipality": municipality, "lists": lists, "now": timezone.now()},
    )


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """«Проверить своё обращение»: the tracking link or its code typed in → the existing tracking page."""
    raw = request.GET.get("token", "").strip()
    token = raw.rstrip("/").rsplit("/track/", 1)[-1].split("/", 1)[0] if "/track/" in raw else raw
    if not token or len(token) > 64 or not all(ch.isalnum() or ch in "-_" for ch in token):
        response = render(
            request,
            "participation/public/index.html",
            {
                "municipality": _municipality(request),
                "lists": selectors.public_lists(_municipality(request)),
                "track_error": "Вставьте ссылку из письма целиком — она выглядит так: …/track/abc123…/",
                "track_value": raw[:200],
            },
            status=400,
        )
        return response
    return redirect("webform:track", token=token)


# --- the code flow, shared by polls and discussions -------------------------------------------------


@dataclass
class Identity:
    verified: codes.VerifiedContact | None
    pending: codes.PendingCode | None
    contact_form: ContactForm
    code_form: CodeForm
    error: str = ""
    status: int = 200
    retry_after: int = 0


def _identity(request: HttpRequest, *, phones: bool) -> Identity:
    return Identity(
        verified=codes.verified_contact(request.session),
        pending=codes.pending_code(request.session),
        contact_form=ContactForm(phones=phones),
        code_form=CodeForm(),
    )


def _code_step(request: HttpRequest, who: Identity, *, phones: bool, municipality: Municipality) -> bool:
    """Handle «send the code» / «check the code» / «another address»; True when the page should redirect."""
    action = request.POST.get("action")
    if action == "restart":
        codes.forget(request.session)
        return True
    if action == "code":
        who.contact_form = ContactForm(request.POST, phones=phones)
        if not who.contact_form.is_valid():
            who.status = 400
            return False
        try:
            pending = codes.request_code(
                who.contact_form.cleaned_data["contact"],
                ip_hash=ip_hash(client_ip(request)),
                municipality_name=municipality.name,
                phones=phones,
            )
        except ContactError as exc:
            who.contact_form.add_error("contact", str(exc))
            who.status = 400
            return False
        except RateLimited as exc:
            who.error, who.status, who.retry_after = str(exc), 429, exc.retry_after
            return False
        except codes.CodeError as exc:
            who.error, who.status = str(exc), 503
            return False
        codes.remember_pending(request.session, pending)
        return True
    if action == "verify":
        who.code_form = CodeForm(request.POST)
        if who.pending is None:
            who.error, who.status = "Сначала запросите код: укажите адрес и нажмите «Получить код».", 400
            return False
        if not who.code_form.is_valid():
            who.status = 400
            return False
        try:
            contact = codes.check_code(who.pending, who.code_form.cleaned_data["code"])
        except codes.CodeError as exc:
            who.code_form.add_error("code", str(exc))
            who.status = 400
            return False
        codes.remember_verified(request.session, contact)
        return True
    return False


def _flash(request: HttpRequest, value: str) -> None:
    request.session[FLASH_KEY] = value


def _pop_flash(request: HttpRequest) -> str:
    return str(request.session.pop(FLASH_KEY, ""))


def _respond(request: HttpRequest, template: str, context: dict[str, Any], who: Identity) -> HttpResponse:
    response = render(request, template, context, status=who.status)
    if who.retry_after:
        response["Retry-After"] = str(who.retry_after)
    return response


# --- a poll -----------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def poll_page(request: HttpRequest, slug: str) -> HttpResponse:
    poll = selectors.public_poll(slug)
    if poll is None:
        raise Http404("Опрос не найден.")
    now = timezone.now()
    phones = sms_enabled()
    who = _identity(request, phones=phones)
    settlements = services.allowed_settlements(poll)
    closed_reason = rules.closed_reason(poll.window, now, noun=poll.noun)
    form: BallotForm | None = None
    vote_error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("code", "verify", "restart"):
            if closed_reason:
                who.error, who.status = closed_reason, 400
            elif _code_step(request, who, phones=phones, municipality=poll.municipality):
                anchor = "#answers" if action == "verify" else "#identity"
                return redirect(reverse("participation_public:poll", args=[poll.slug]) + anchor)
        elif action == "vote":
            if who.verified is None:
                who.error, who.status = "Сначала подтвердите адрес: запросите и введите код.", 400
            else:
                form = BallotForm(request.POST, poll=poll, settlements=settlements)
                if form.is_valid():
                    try:
                        services.cast_ballot(
                            poll,
                            who.verified,
                            settlement=next(
                                s for s in settlements if s.pk == form.cleaned_data["settlement"]
                            ),
                            answers=_answers(form),
                            ip_hash=ip_hash(client_ip(request)),
                            name=form.cleaned_data.get("name", ""),
                        )
                    except services.AlreadyVoted as exc:
                        vote_error, who.status = str(exc), 409
                    except RateLimited as exc:
                        vote_error, who.status, who.retry_after = str(exc), 429, exc.retry_after
                    except services.ParticipationError as exc:
                        vote_error, who.status = str(exc), 400
                    else:
                        _flash(request, f"voted:{poll.pk}")
                        return redirect(reverse("participation_public:poll", args=[poll.slug]) + "#thanks")
                else:
                    who.status = 400
        else:
            who.status = 400
    ballot = services.existing_ballot(poll, who.verified.hash) if who.verified else None
    flash = _pop_flash(request) if request.method == "GET" else ""
    just_voted = flash == f"voted:{poll.pk}" and ballot is not None
    if form is None and who.verified is not None and ballot is None and not closed_reason:
        form = BallotForm(poll=poll, settlements=settlements)
    show_results = (
        poll.status == "closed" or rules.phase(poll.window, now) == "ended" or poll.show_live_results
    )
    results = selectors.poll_results(poll, texts=0) if show_results else None
    context = {
        "poll": poll,
        "municipality": poll.municipality,
        "who": who,
        "phones": phones,
        "form": form,
        "closed_reason": closed_reason,
        "ballot": ballot,
        "just_voted": just_voted,
        "already_voted": (
            services.already_voted_message(poll, ballot)
            if ballot and not just_voted and not vote_error
            else ""
        ),
        "vote_error": vote_error,
        "results": results,
        "chart": results.chart() if results else None,
        "final": poll.status == "closed" or rules.phase(poll.window, now) == "ended",
        "settlements": settlements,
        "targeted": poll.settlements.exists(),
    }
    return _respond(request, "participation/public/poll.html", context, who)


def _answers(form: BallotForm) -> list[services.Answer]:
    result = []
    for q in form.questions:
        value = form.cleaned_data.get(f"q{q.pk}")
        options = {o.pk: o for o in q.options.all()}
        if q.kind == "single":
            result.append(services.Answer(q, options=(options[value],) if value in options else ()))
        elif q.kind == "multiple":
            result.append(services.Answer(q, options=tuple(options[v] for v in value or [] if v in options)))
        elif q.kind == "scale":
            result.append(services.Answer(q, value=value if value not in (None, "") else None))
        else:
            result.append(services.Answer(q, text=value or ""))
    return result


# --- a discussion -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def discussion_page(request: HttpRequest, slug: str) -> HttpResponse:
    discussion = selectors.public_discussion(slug)
    if discussion is None:
        raise Http404("Обсуждение не найдено.")
    now = timezone.now()
    who = _identity(request, phones=False)
    settlements = services.allowed_settlements(discussion)
    closed_reason = services.comments_closed_reason(discussion, now)
    form = CommentForm(settlements=settlements)
    comment_error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("code", "verify", "restart"):
            if closed_reason:
                who.error, who.status = closed_reason, 400
            elif _code_step(request, who, phones=False, municipality=discussion.municipality):
                anchor = "#comment-form" if action == "verify" else "#identity"
                return redirect(reverse("participation_public:discussion", args=[discussion.slug]) + anchor)
        elif action == "comment":
            form = CommentForm(request.POST, settlements=settlements)
            if who.verified is None or who.verified.kind != "email":
                who.error, who.status = (
                    "Сначала подтвердите адрес электронной почты: запросите и введите код.",
                    400,
                )
            elif form.is_valid():
                try:
                    services.submit_comment(
                        discussion,
                        who.verified,
                        author_name=form.cleaned_data["author_name"],
                        text=form.cleaned_data["text"],
                        settlement=form.cleaned_data.get("settlement"),
                        ip_hash=ip_hash(client_ip(request)),
                    )
                except RateLimited as exc:
                    comment_error, who.status, who.retry_after = str(exc), 429, exc.retry_after
                except services.ParticipationError as exc:
                    comment_error, who.status = str(exc), 400
                else:
                    _flash(request, f"commented:{discussion.pk}")
                    return redirect(
                        reverse("participation_public:discussion", args=[discussion.slug]) + "#thanks"
                    )
            else:
                who.status = 400
        else:
            who.status = 400
    if who.verified is not None and who.verified.kind != "email":
        who.verified = None  # a phone verified for a poll does not let one comment
    flash = _pop_flash(request) if request.method == "GET" else ""
    page = Paginator(selectors.published_comments(discussion).order_by("created_at", "pk"), COMMENTS_PER_PAGE)
    context = {
        "discussion": discussion,
        "municipality": discussion.municipality,
        "who": who,
        "phones": False,
        "form": form,
        "closed_reason": closed_reason,
        "comment_error": comment_error,
        "commented": flash == f"commented:{discussion.pk}",
        "documents": list(discussion.documents.all()),
        "page": page.get_page(request.GET.get("page")),
        "proposals": selectors.proposals(discussion) if discussion.status == "closed" else [],
    }
    return _respond(request, "participation/public/discussion.html", context, who)


@require_GET
def document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    discussion: Discussion | None = selectors.public_discussion(slug)
    if discussion is None:
        raise Http404("Обсуждение не найдено.")
    item = discussion.documents.filter(pk=pk).first()
    if item is None:
        raise Http404("Документ не найден.")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("Файл документа не найден.") from None
    # Always a download with the type of its (checked) extension: never a page the browser would render.
    ext = (item.name or "").rsplit(".", 1)[-1].lower()
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.name or "document",
        content_type=DOCUMENT_TYPES.get(ext, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- transparency -----------------------------------------------------------------------------------


@require_GET
def transparency_page(request: HttpRequest, mo: str | None = None) -> HttpResponse:
    municipality = _municipality(request, mo)
    today = timezone.localdate(timezone.now(), municipality.tz)
    quarters = transparency.quarter_choices(today)
    asked = request.GET.get("q", "")
    chosen = next((q for q in quarters if q[0] == asked), quarters[0])
    data = transparency.figures(municipality, chosen[2], chosen[3])
    others = list(
        Municipality.objects.exclude(pk=municipality.pk).order_by("name").values_list("code", "name")
    )
    context = {
        "municipality": municipality,
        "data": data,
        "quarters": [(value, label) for value, label, _, _ in quarters],
        "chosen": chosen[0],
        "others": others,
        "current": chosen[0] == quarters[0][0],
    }
    return render(request, "participation/public/transparency.html", context)

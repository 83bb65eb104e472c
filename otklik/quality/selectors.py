"""Reads for the satisfaction pages: the municipality's policy, a survey behind its link, the staff panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otklik.cases.models import Answer, Case
from otklik.quality.models import QualityPolicy, Rating, SatisfactionSurvey
from otklik.territory.models import Municipality

TOKEN_MAX = 64


def policy_for(municipality: Municipality | int) -> QualityPolicy:
    """The municipality's quality rules; an unsaved instance with the defaults when none was entered."""
    muni_id = municipality if isinstance(municipality, int) else municipality.pk
    found = QualityPolicy.objects.filter(municipality_id=muni_id).first()
    if found is not None:
        return found
    if isinstance(municipality, int):
        return QualityPolicy(municipality_id=muni_id)
    return QualityPolicy(municipality=municipality)


@dataclass
class SurveyView:
    """What the one-page form shows. `state`: "open" (may rate), "rated", "superseded" (a newer answer
    was given), "reconsidering" (the case is being considered again), "no_answer"."""

    survey: SatisfactionSurvey
    case: Case
    answer: Answer | None
    state: str
    rating: Rating | None


def survey_by_token(token: str) -> SurveyView | None:
    """The survey behind a rating link with its state; None for an unknown link."""
    from otklik.quality.services import RATEABLE, latest_answer

    if not token or len(token) > TOKEN_MAX:
        return None
    survey = (
        SatisfactionSurvey.objects.select_related("case__municipality", "answer", "rating")
        .filter(token=token)
        .first()
    )
    if survey is None:
        return None
    case = survey.case
    answer = survey.answer
    rating = survey.rating
    if rating is None and answer is not None:
        rating = Rating.objects.filter(case=case, answer=answer).order_by("-created_at", "-pk").first()
    if rating is not None:
        state = "rated"
    elif answer is None:
        state = "no_answer"
    else:
        latest = latest_answer(case)
        if latest is not None and latest.pk != answer.pk:
            state = "superseded"
        elif case.status not in RATEABLE:
            state = "reconsidering"
        else:
            state = "open"
    return SurveyView(survey=survey, case=case, answer=answer, state=state, rating=rating)


@dataclass
class PhonePanel:
    """The staff form for a rating received by phone: whether to show it, and the rating already there."""

    allowed: bool
    rateable: bool
    rating: Rating | None


def _latest_sent_answer(case: Case) -> Answer | None:
    """`latest_answer`, from the answers the case page has already prefetched when it has them."""
    from otklik.quality.services import latest_answer

    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("answers")
    if prefetched is None:
        return latest_answer(case)
    sent = [a for a in prefetched if a.sent_at is not None]
    return max(sent, key=lambda a: (a.sent_at, a.pk)) if sent else None


def phone_panel(user: Any, case: Case) -> PhonePanel:
    from otklik.cases.permissions import role_allows
    from otklik.quality.services import RATEABLE

    allowed = role_allows(user, "close", case) or role_allows(user, "answer", case)
    if not allowed:
        return PhonePanel(allowed=False, rateable=False, rating=None)
    answer = _latest_sent_answer(case)
    rating = (
        Rating.objects.filter(case=case, answer=answer).select_related("entered_by").first()
        if answer is not None
        else None
    )
    rateable = case.status in RATEABLE and answer is not None and rating is None
    return PhonePanel(allowed=True, rateable=rateable, rating=rating)

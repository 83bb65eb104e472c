"""The allowed status graph of each kind of case, as data and pure functions.

received → registered → assigned → in_progress → answered → closed, with redirection to another body,
reopening after a negative rating or a quality rejection, and — for appeals under 59-ФЗ only —
leaving without an answer on the merits for a legal reason.
"""

from __future__ import annotations

_COMMON: dict[str, frozenset[str]] = {
    "received": frozenset({"registered"}),
    "registered": frozenset({"assigned", "in_progress", "redirected"}),
    "assigned": frozenset({"assigned", "in_progress", "redirected"}),
    "in_progress": frozenset({"assigned", "answered", "redirected"}),
    "answered": frozenset({"closed", "in_progress"}),  # in_progress: the answer was rejected on review
    "closed": frozenset({"reopened"}),
    "reopened": frozenset({"assigned", "in_progress", "redirected"}),
    "redirected": frozenset(),
}

#: Appeals (59-ФЗ) may be left without an answer on the merits (anonymous, obscene, unreadable, repeated).
_APPEAL = {
    **{
        k: v | {"no_answer"}
        for k, v in _COMMON.items()
        if k in ("registered", "assigned", "in_progress", "reopened")
    },
    "no_answer": frozenset({"reopened"}),
}

TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "appeal": {**_COMMON, **_APPEAL},
    "message": dict(_COMMON),
    "incident": dict(_COMMON),
}

STATUS_LABELS = {
    "received": "поступило",
    "registered": "зарегистрировано",
    "assigned": "назначено исполнителю",
    "in_progress": "в работе",
    "answered": "дан ответ",
    "closed": "закрыто",
    "redirected": "перенаправлено",
    "reopened": "возобновлено",
    "no_answer": "оставлено без ответа",
}
KIND_LABELS = {"appeal": "обращения", "message": "сообщения", "incident": "инцидента"}


class TransitionError(Exception):
    """An illegal change of status; the message is for the user, in Russian."""


def allowed(kind: str, current: str) -> frozenset[str]:
    try:
        return TRANSITIONS[kind][current]
    except KeyError as exc:
        raise TransitionError(f"Неизвестный вид или статус: {kind}/{current}") from exc


def check_transition(kind: str, current: str, target: str) -> None:
    """Raise TransitionError with a clear reason unless `current → target` is allowed for `kind`."""
    if target not in allowed(kind, current):
        options = ", ".join(f"«{STATUS_LABELS[s]}»" for s in sorted(allowed(kind, current))) or "никакой"
        what, was = KIND_LABELS.get(kind, kind), STATUS_LABELS.get(current, current)
        raise TransitionError(
            f"Нельзя перевести {what} из статуса «{was}» "
            f"в статус «{STATUS_LABELS.get(target, target)}». Возможный следующий статус: {options}."
        )

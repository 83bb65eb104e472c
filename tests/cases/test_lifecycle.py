import itertools

import pytest

from otklik.cases.lifecycle import TRANSITIONS, TransitionError, allowed, check_transition
from otklik.cases.models import Status

PATH = ["received", "registered", "assigned", "in_progress", "answered", "closed"]


@pytest.mark.parametrize("kind", ["appeal", "message", "incident"])
def test_the_main_path_is_allowed_for_every_kind(kind):
    for current, target in itertools.pairwise(PATH):
        check_transition(kind, current, target)


@pytest.mark.parametrize(
    ("kind", "current", "target", "ok"),
    [
        ("appeal", "closed", "reopened", True),
        ("message", "closed", "reopened", True),
        ("appeal", "answered", "in_progress", True),  # answer rejected on review
        ("appeal", "in_progress", "redirected", True),
        ("appeal", "registered", "no_answer", True),
        ("appeal", "no_answer", "reopened", True),
        ("message", "registered", "no_answer", False),  # only appeals under 59-ФЗ
        ("incident", "in_progress", "no_answer", False),
        ("appeal", "received", "answered", False),  # must be registered first
        ("appeal", "received", "assigned", False),
        ("message", "closed", "answered", False),
        ("appeal", "redirected", "reopened", False),  # redirected is final
        ("incident", "answered", "assigned", False),
        ("message", "reopened", "in_progress", True),
    ],
)
def test_transition_table(kind, current, target, ok):
    if ok:
        check_transition(kind, current, target)
    else:
        with pytest.raises(TransitionError):
            check_transition(kind, current, target)


def test_illegal_transition_explains_itself_in_russian():
    with pytest.raises(TransitionError) as exc:
        check_transition("appeal", "received", "closed")
    message = str(exc.value)
    assert "Нельзя перевести обращения из статуса «поступило» в статус «закрыто»" in message
    assert "«зарегистрировано»" in message


def test_every_status_of_the_model_is_in_every_graph():
    for kind, graph in TRANSITIONS.items():
        statuses = set(Status.values) - ({"no_answer"} if kind != "appeal" else set())
        assert set(graph) == statuses, kind
        for targets in graph.values():
            assert targets <= set(Status.values)


def test_unknown_status_is_an_error():
    with pytest.raises(TransitionError):
        allowed("appeal", "lost")

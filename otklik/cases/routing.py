"""Routing on registration: the rule table first, then the topic's block, then the centre's head."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from otklik.cases.models import Case, RoutingRule
from otklik.core.stampcache import StampedCache
from otklik.org.models import Block, Department, Role, RoleAssignment, Topic, User
from otklik.territory.models import Settlement

#: A municipality's rule table and topic blocks, kept per process (see otklik.core.stampcache): an edit
#: of rules, blocks, their topics, departments or topics is seen at once here and within
#: OTKLIK_CACHE_CHECK_SECONDS by the other processes. Specialists are not cached: whether a rule's
#: specialist is still active is read when the rule matches.
routing_cache = StampedCache(
    "routing", [RoutingRule, Block, Department, Topic, Settlement], through=(Block.topics.through,)
)


@dataclass
class RouteDecision:
    block: Block | None
    department: Department | None
    owner: User | None
    rule_id: int | None
    reason: str

    def explain(self) -> str:
        parts = [self.reason]
        if self.block:
            parts.append(f"блок «{self.block}»")
        if self.department:
            parts.append(f"подразделение «{self.department}»")
        if self.owner:
            parts.append(f"исполнитель {self.owner}")
        return "; ".join(parts)


def _topic_codes(case: Case, codes: dict[int, str] | None = None) -> set[str]:
    """The codes of the case's topic and subtopic (by `codes`, id → code, when given: no queries)."""
    found = set()
    for topic_id, attr in ((case.topic_id, "topic"), (case.subtopic_id, "subtopic")):
        if not topic_id:
            continue
        if codes is not None and topic_id in codes:
            found.add(codes[topic_id])
        elif (topic := getattr(case, attr)) is not None:
            found.add(topic.code)
    return found


def _keywords(rule: RoutingRule) -> list[str]:
    return [k.strip().lower() for k in rule.keywords.split(",") if k.strip()]


def matches(rule: RoutingRule, case: Case, codes: dict[int, str] | None = None) -> bool:
    if rule.topic_id and rule.topic and rule.topic.code not in _topic_codes(case, codes):
        return False
    if rule.settlement_id and rule.settlement_id != case.settlement_id:
        return False
    if rule.channel and rule.channel != case.channel:
        return False
    words = _keywords(rule)
    if words:
        text = f"{case.title} {case.text}".lower()
        if not any(w in text for w in words):
            return False
    return True


def specificity(rule: RoutingRule) -> int:
    topic = 0
    if rule.topic_id and rule.topic:
        topic = 2 if rule.topic.parent_id else 1
    return topic + bool(rule.settlement_id) + bool(rule.channel) + bool(rule.keywords.strip())


class RoutingTable:
    """A municipality's active rules (with topics, blocks and departments) and the block of each topic."""

    def __init__(self, municipality_id: int) -> None:
        self.rules = list(
            RoutingRule.objects.filter(municipality_id=municipality_id, is_active=True).select_related(
                "topic", "block__department", "department"
            )
        )
        self.block_by_topic: dict[int, Block] = {}
        blocks = (
            Block.objects.filter(municipality_id=municipality_id)
            .select_related("department")
            .prefetch_related("topics")
        )
        for block in blocks:
            for topic in block.topics.all():
                self.block_by_topic.setdefault(topic.pk, block)
        self.codes = dict(Topic.objects.values_list("pk", "code"))


def routing_table(municipality_id: int) -> RoutingTable:
    return routing_cache.get(municipality_id, lambda: RoutingTable(municipality_id))


class Router:
    """Routing for one municipality with its rules, blocks and head loaded once (for batches too)."""

    def __init__(self, municipality_id: int) -> None:
        self.municipality_id = municipality_id
        table = routing_table(municipality_id)
        self.rules = table.rules
        self.block_by_topic = table.block_by_topic
        self.codes = table.codes
        self._head: User | None | bool = False
        self._specialists: dict[int, User | None] = {}
        self._copies: dict[tuple[type, int], Any] = {}

    @property
    def head(self) -> User | None:
        if self._head is False:
            self._head = head_of_centre(self.municipality_id)
        return self._head  # type: ignore[return-value]

    def specialist(self, user_id: int | None) -> User | None:
        """The rule's specialist if still active (read once per router, never cached across calls)."""
        if user_id is None:
            return None
        if user_id not in self._specialists:
            self._specialists[user_id] = User.objects.filter(pk=user_id, is_active=True).first()
        return self._specialists[user_id]

    def decide(self, case: Case) -> RouteDecision:
        decision = self._decide(case)
        # The block and department are the cache's: hand out copies, so that whatever a caller loads
        # onto them (a block's owner, …) never lingers in the shared table. One copy of each per router
        # (a batch's cases share it: copying a model instance costs more than routing the case).
        decision.block = self._copy(decision.block)
        decision.department = self._copy(decision.department)
        return decision

    def _copy(self, obj: Any) -> Any:
        if obj is None:
            return None
        key = (type(obj), obj.pk)
        if key not in self._copies:
            self._copies[key] = copy.copy(obj)
        return self._copies[key]

    def _decide(self, case: Case) -> RouteDecision:
        matching = [r for r in self.rules if matches(r, case, self.codes)]
        topic_block = self.block_by_topic.get(case.topic_id) if case.topic_id else None
        if matching:
            rule = min(matching, key=lambda r: (r.priority, -specificity(r), r.pk))
            block = rule.block or topic_block
            department = rule.department or (block.department if block else None)
            owner = self.specialist(rule.specialist_id)
            return RouteDecision(block, department, owner, rule.pk, f"Правило маршрутизации № {rule.pk}")
        if topic_block is not None:
            return RouteDecision(topic_block, topic_block.department, None, None, "По теме обращения")
        return RouteDecision(None, None, self.head, None, "Блок не определён — руководителю МЦУ")


def route(case: Case) -> RouteDecision:
    return Router(case.municipality_id).decide(case)


def head_of_centre(municipality_id: int) -> User | None:
    assignment = (
        RoleAssignment.objects.filter(role=Role.HEAD, municipality_id=municipality_id, user__is_active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return assignment.user if assignment else None

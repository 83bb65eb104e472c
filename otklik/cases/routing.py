"""Routing on registration: the rule table first, then the topic's block, then the centre's head."""

from __future__ import annotations

from dataclasses import dataclass

from otklik.cases.models import Case, RoutingRule
from otklik.org.models import Block, Department, Role, RoleAssignment, User


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


def _topic_codes(case: Case) -> set[str]:
    codes = set()
    if case.topic_id and case.topic:
        codes.add(case.topic.code)
    if case.subtopic_id and case.subtopic:
        codes.add(case.subtopic.code)
    return codes


def _keywords(rule: RoutingRule) -> list[str]:
    return [k.strip().lower() for k in rule.keywords.split(",") if k.strip()]


def matches(rule: RoutingRule, case: Case) -> bool:
    if rule.topic_id and rule.topic and rule.topic.code not in _topic_codes(case):
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


class Router:
    """Routing for one municipality with its rules, blocks and head loaded once (for batches too)."""

    def __init__(self, municipality_id: int) -> None:
        self.municipality_id = municipality_id
        self.rules = list(
            RoutingRule.objects.filter(municipality_id=municipality_id, is_active=True).select_related(
                "topic", "block__department", "department", "specialist"
            )
        )
        self.block_by_topic: dict[int, Block] = {}
        blocks = (
            Block.objects.filter(municipality_id=municipality_id)
            .select_related("department", "owner")
            .prefetch_related("topics")
        )
        for block in blocks:
            for topic in block.topics.all():
                self.block_by_topic.setdefault(topic.pk, block)
        self._head: User | None | bool = False

    @property
    def head(self) -> User | None:
        if self._head is False:
            self._head = head_of_centre(self.municipality_id)
        return self._head  # type: ignore[return-value]

    def decide(self, case: Case) -> RouteDecision:
        matching = [r for r in self.rules if matches(r, case)]
        topic_block = self.block_by_topic.get(case.topic_id) if case.topic_id else None
        if matching:
            rule = min(matching, key=lambda r: (r.priority, -specificity(r), r.pk))
            block = rule.block or topic_block
            department = rule.department or (block.department if block else None)
            owner = rule.specialist if rule.specialist and rule.specialist.is_active else None
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

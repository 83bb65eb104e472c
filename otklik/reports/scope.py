"""Readers that are not people: the selectors of cases, ratings, problems and the dashboard take a user and
read through its scope (`visible_cases`). These objects stand in for one:

* `SystemScope` — the whole installation: the CLI and the periodic jobs build reports as the system;
* `BlockScope` — every case of one topic block, exactly what the block's owner sees: the monthly block
  report and the per-block figures of accelerated resolution.
"""

from __future__ import annotations

from otklik.org.models import Block, Role, RoleAssignment


class SystemScope:
    """Sees every case of every municipality (visible_cases: no filter)."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    pk = None
    username = "system"

    def __init__(self) -> None:
        self._otklik_roles: list[RoleAssignment] = []

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return "система"


class BlockScope:
    """Sees the cases of one block and nothing else: the role of its owner, held by nobody."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    username = "block-scope"

    def __init__(self, block: Block) -> None:
        self.block = block
        self._otklik_roles = [
            RoleAssignment(role=Role.BLOCK_OWNER, municipality=block.municipality, block=block)
        ]

    def get_username(self) -> str:
        return self.username

    def __str__(self) -> str:
        return f"блок «{self.block.name}»"

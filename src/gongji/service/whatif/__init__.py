"""What-if replays: a period's settlements again under a rules overlay, through the pure core (issue 18, item 4)."""

from __future__ import annotations

__all__: list[str] = []

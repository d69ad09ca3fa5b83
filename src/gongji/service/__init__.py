"""Use cases: each one transaction through a unit of work, idempotent by key, on an injected clock.

Import from the modules (``gongji.service.accounts`` …); the package itself exports nothing.
"""

__all__: list[str] = []

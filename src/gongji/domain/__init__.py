"""The domain: pure Python, no I/O. Money, national codes, ID numbers, people, enrollment, the ledger, errors.

Import from the modules (``gongji.domain.money``, ``gongji.domain.ledger`` …); the package itself exports nothing.
"""

__all__: list[str] = []

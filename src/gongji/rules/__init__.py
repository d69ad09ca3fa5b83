"""Regional rules as dated, referenced data: the parameter catalogue, the strict loader and the rule book.

Import from the modules (``gongji.rules.book``, ``gongji.rules.parameters`` …); the package itself exports nothing.
"""

__all__: list[str] = []

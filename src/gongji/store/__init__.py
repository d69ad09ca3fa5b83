"""Storage: SQLAlchemy tables, repositories, the unit of work, Alembic migrations, backend specifics.

Import from the modules (``gongji.store.uow`` …); the package itself exports nothing.
"""

__all__: list[str] = []

"""``gongji db``: create or upgrade the database schema."""

from __future__ import annotations

import typer

from .common import settings
from .output import console

__all__ = ["db_app"]

db_app = typer.Typer(help="数据库 Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """创建或升级数据库结构 Create or upgrade the database schema (Alembic)."""
    from gongji.store.engine import make_engine
    from gongji.store.migrate import current_revision, upgrade

    engine = make_engine(settings().database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        url = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    if before == after:
        console.print(f"数据库已是最新版本 Database already at revision {after} ({url})")
    else:
        console.print(f"数据库已升级 Database upgraded {before or '(empty)'} → {after} ({url})")

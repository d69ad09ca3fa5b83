"""Every module says what it exports (``__all__``), and exports only names it defines or re-exports on purpose."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import gongji

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(gongji.__path__, "gongji.")
    if ".migrations" not in name  # Alembic scripts are run by Alembic, not imported
)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_its_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert sorted(set(exported)) == sorted(exported), f"{name}.__all__ repeats a name"
    missing = [item for item in exported if not hasattr(module, item)]
    assert missing == [], f"{name}.__all__ names what it does not have: {missing}"


def test_the_layers_depend_in_one_direction() -> None:
    """domain imports nothing of gongji but domain; service never imports the store, the CLI or SQLAlchemy."""
    for name in MODULES:
        source = importlib.import_module(name).__loader__.get_source(name)  # type: ignore[union-attr]
        assert source is not None
        lines = [line.strip() for line in source.splitlines()]
        imports = [line.split()[1] for line in lines if line.startswith(("import ", "from "))]
        if name.startswith("gongji.domain"):
            assert all(not i.startswith("gongji") or i.startswith("gongji.domain") for i in imports), name
            assert not any(i.startswith(("sqlalchemy", "fastapi", "pydantic")) for i in imports), name
        if name.startswith("gongji.service"):
            assert not any(i.startswith(("gongji.store", "gongji.cli", "gongji.api", "sqlalchemy")) for i in imports), (
                name
            )

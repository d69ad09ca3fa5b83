"""The service layer writes no prose: refusals and explanations carry terms (codes, phrases of the catalogue in
:mod:`gongji.domain.phrases`), and the edges choose the words.

The check reads the source of ``gongji.service``: no string literal outside docstrings holds Chinese, and no
keyword argument or dict key named ``*_zh`` / ``*_en`` is given a literal text. The demo's people and places are
data (names, not prose) and are exempt.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import gongji.service

SERVICE = Path(gongji.service.__file__).parent
EXEMPT = {"demo.py"}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
        # attribute docstrings: a bare string right after an assignment
        body = getattr(node, "body", None)
        for stmt in body if isinstance(body, list) else []:
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                ids.add(id(stmt.value))
    return ids


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _prose(name: str, source: str) -> list[str]:
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        if literal and CJK.search(node.value):  # type: ignore[attr-defined]
            found.append(f"{name}:{node.lineno}: {node.value!r}")
        if isinstance(node, ast.keyword) and node.arg and node.arg.endswith(("_zh", "_en")) and _is_text(node.value):
            found.append(f"{name}:{node.value.lineno}: {node.arg}= a literal text")
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                named = isinstance(key, ast.Constant) and str(key.value).endswith(("_zh", "_en"))
                if named and _is_text(value):
                    found.append(f"{name}:{value.lineno}: {key.value!r}: a literal text")  # type: ignore[union-attr]
    return found


def test_the_service_layer_writes_no_prose() -> None:
    found = [
        line
        for path in sorted(SERVICE.rglob("*.py"))
        if path.name not in EXEMPT
        for line in _prose(path.name, path.read_text(encoding="utf-8"))
    ]
    assert found == [], "\n".join(found)


def test_the_check_finds_prose() -> None:
    sample = (
        '"""模块说明 is a docstring."""\n'
        'def f():\n    """文档."""\n    raise X(reason_zh="不能为负数", reason_en=f"must be {1}")\n'
        'D = {"role_en": "party", "name": "张三"}\n'
    )
    found = _prose("sample.py", sample)
    assert len(found) == 5, found

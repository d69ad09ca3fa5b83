"""The FSI codec's public surface: what ``gongji.api.fsi`` exports, and that it stays pure."""

from __future__ import annotations

import importlib
import pkgutil

import gongji.api.fsi as fsi

EXPECTED = {
    "Envelope",
    "FsiInputError",
    "GatewayReason",
    "GatewayRefused",
    "Infcode",
    "MemoryNonceStore",
    "NonceStore",
    "RefMsgIds",
    "amount_fen",
    "code",
    "dumps",
    "flag",
    "inf_refmsgid",
    "mask_certno",
    "mask_name",
    "mask_payload",
    "mask_phone",
    "national_time",
    "parse_envelope",
    "quantity",
    "reply",
    "rows",
    "signature",
    "text",
    "timestamp",
    "verify_gateway",
    "yuan",
}


def test_the_package_exports_exactly_its_public_names() -> None:
    assert set(fsi.__all__) == EXPECTED
    assert all(hasattr(fsi, name) for name in EXPECTED)


def test_one_input_error_class_whichever_module_it_is_imported_from() -> None:
    from gongji.api.fsi import envelope, fields

    assert envelope.FsiInputError is fields.FsiInputError is fsi.FsiInputError


def test_the_codec_imports_no_database_and_no_web_framework() -> None:
    for module in pkgutil.iter_modules(fsi.__path__, "gongji.api.fsi."):
        source = importlib.import_module(module.name).__loader__.get_source(module.name)  # type: ignore[union-attr]
        assert source is not None
        imports = [line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))]
        forbidden = ("sqlalchemy", "fastapi", "starlette", "pydantic", "gongji.store", "gongji.cli")
        assert not [name for name in imports if name.startswith(forbidden)], module.name

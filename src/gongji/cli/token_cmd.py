"""``gongji token``: tokens of gongji's own API (/api/v1) — issue, list, revoke."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from .common import guard, new_key, run
from .output import console, err_console, print_json, table

if TYPE_CHECKING:
    from gongji.service.api_tokens import TokenView

__all__ = ["token_app"]

token_app = typer.Typer(help="API 令牌 Tokens of the REST API (/api/v1).", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读的 JSON 输出 Output JSON for machines.")]
KeyOpt = Annotated[str | None, typer.Option("--key", help="幂等键 Idempotency key.")]


def _show(views: list[TokenView], title: str) -> None:
    console.print(
        table(
            title,
            [
                "编号 ID",
                "角色 Role",
                "统筹区 Regions",
                "机构 Institution",
                "说明 Label",
                "指纹 Fingerprint",
                "签发 Issued",
                "吊销 Revoked",
            ],
            [
                [
                    v.id,
                    f"{v.role_zh} {v.role}",
                    ", ".join(v.regions),
                    v.fixmedins_code,
                    v.label,
                    v.fingerprint,
                    f"{v.created_at:%Y-%m-%d %H:%M}",
                    v.revoked_at and f"{v.revoked_at:%Y-%m-%d %H:%M}",
                ]
                for v in views
            ],
            numeric=[0],
        )
    )


@token_app.command("add")
def token_add(
    role: Annotated[
        Literal["operator", "institution", "analyst"],  # gongji.service.api_tokens.Role (a test checks they agree)
        typer.Option("--role", help="角色 Role: operator, institution or analyst"),
    ],
    region: Annotated[
        list[str] | None, typer.Option("--region", help="授权统筹区 Pooling region of an operator (repeatable)")
    ] = None,
    institution: Annotated[
        str | None, typer.Option("--institution", help="定点机构编码 fixmedins_code of an institution")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="说明 Who the token is for")] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """签发令牌 Issue a token; it is shown once, here, and never again (only its SHA-256 is kept)."""
    from gongji.service import api_tokens

    cmd = guard(lambda: api_tokens.IssueToken(api_tokens.Role(role), tuple(region or ()), institution, label), as_json)
    issued = run(lambda ctx: api_tokens.issue_token(ctx, cmd, key=new_key(key)), as_json)
    if as_json:
        print_json({"token": issued.token, "view": issued.view})
        return
    _show([issued.view], "已签发 Token issued")
    if issued.token is None:
        err_console.print(
            "该幂等键的令牌已签发过，令牌只显示一次 This key's token was issued before; it is shown once."
        )
        return
    console.print(f"令牌 Token: {issued.token}", markup=False, soft_wrap=True)
    err_console.print("请妥善保存，令牌不会再次显示 Keep it safe: the token will not be shown again.")


@token_app.command("list")
def token_list(as_json: JsonOpt = False) -> None:
    """令牌列表 Every token (revoked ones too), without the tokens themselves."""
    from gongji.service import api_tokens

    views = run(api_tokens.list_tokens, as_json)
    if as_json:
        print_json(views)
    else:
        _show(views, f"API 令牌 Tokens ({len(views)})")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="令牌编号 Token id")],
    key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """吊销令牌 Revoke a token: it stops authenticating at once."""
    from gongji.service import api_tokens

    view = run(lambda ctx: api_tokens.revoke_token(ctx, token_id, key=new_key(key)), as_json)
    if as_json:
        print_json(view)
    else:
        _show([view], "已吊销 Token revoked")

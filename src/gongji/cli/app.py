"""The ``gongji`` command: every use case from a terminal, as Rich tables or ``--json``.

Errors say what was wrong, in Chinese and English, and change nothing; the exit status is 0 on success,
1 when a rule refuses or something is not found, and 2 when the input is malformed.

Each group of commands lives in a ``*_cmd`` module; this one only puts them together. The modules import the use
cases, the store and the rules inside the commands that need them, so ``gongji --help`` (and any command) loads no
more than it uses.
"""

from __future__ import annotations

import typer

from .accounts_cmd import account_app, audit_cmd, rollover_cmd
from .catalogue_cmd import catalogue_app, institution_app
from .cluster_cmd import cluster_app
from .credential_cmd import card_app, voucher_app
from .db_cmd import db_app
from .demo_cmd import demo_cmd
from .enroll_cmd import enroll_app
from .export_cmd import export_cmd
from .help_format import plain_flags
from .his_sim_cmd import his_sim
from .people_cmd import person_app
from .relations_cmd import proxy_app, relation_app
from .report_cmd import report_cmd
from .rules_cmd import rules_app
from .serve_cmd import serve
from .settle_cmd import claim_app, settle_app, visit_app
from .signals_cmd import signals_app
from .synth_cmd import synth_cmd
from .token_cmd import token_app
from .wallet_cmd import notices_app, wallet_app
from .whatif_cmd import whatif_cmd

__all__ = ["app", "main"]

app = typer.Typer(
    name="gongji",
    help="共济 gongji：职工医保个人账户家庭共济 — family mutual aid on medical-insurance personal accounts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for name, group in (
    ("db", db_app),
    ("person", person_app),
    ("enroll", enroll_app),
    ("account", account_app),
    ("rules", rules_app),
    ("relation", relation_app),
    ("proxy", proxy_app),
    ("institution", institution_app),
    ("catalogue", catalogue_app),
    ("visit", visit_app),
    ("settle", settle_app),
    ("claim", claim_app),
    ("token", token_app),
    ("wallet", wallet_app),
    ("notices", notices_app),
    ("card", card_app),
    ("voucher", voucher_app),
    ("signals", signals_app),
    ("cluster", cluster_app),
):
    app.add_typer(group, name=name)
app.command("serve")(serve)
app.command("his-sim")(his_sim)
app.command("rollover")(rollover_cmd)
app.command("audit")(audit_cmd)
app.command("demo")(demo_cmd)
app.command("synth")(synth_cmd)
app.command("export")(export_cmd)
app.command("report")(report_cmd)
app.command("whatif")(whatif_cmd)
plain_flags(app)


def main() -> None:
    """Entry point of the ``gongji`` console script: what its writes are refused is logged as the CLI's."""
    from gongji.service.refusal_log import Channel, on_channel

    with on_channel(Channel.CLI):
        app()

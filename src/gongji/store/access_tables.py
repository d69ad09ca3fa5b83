"""The tables of access: institutions' credentials and sign-ins, API tokens and the operators' actions, and the portal's
and gateway's short-lived state (signed-out sessions, nonces, sign-in challenges and failures).

Kept apart from :mod:`gongji.store.tables` for size; they share its ``metadata``, and ``tables`` names them (it imports
this module last: this module imports it).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
)

from gongji.store.column_types import AwareDateTime, Id
from gongji.store.tables import metadata

__all__ = [
    "api_tokens",
    "gateway_nonces",
    "institution_credentials",
    "operator_actions",
    "portal_challenges",
    "portal_failures",
    "portal_signed_out",
    "sign_ins",
]

# The national interface's gateway credentials of an institution: ``x-tif-paasid`` names it, and the signature is
# SHA-256 of timestamp + token + nonce + timestamp, so the token itself is kept (not a hash of it). One per institution.
institution_credentials = Table(
    "institution_credentials",
    metadata,
    Column("institution_id", Id, ForeignKey("institutions.id"), primary_key=True),
    # Unique: every request is authenticated by one indexed lookup of its paasid.
    Column("paasid", String(40), nullable=False, unique=True),
    Column("token", String(64), nullable=False),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("rotated_at", AwareDateTime(), nullable=True),
)

# 签到 (9001): each sign-in of an operator at an institution gets a sign_no that later envelopes carry.
sign_ins = Table(
    "sign_ins",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sign_no", String(40), nullable=False, unique=True),
    Column("institution_id", Id, ForeignKey("institutions.id"), nullable=False, index=True),
    Column("opter_no", String(30), nullable=False),
    Column("mac", String(64), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("signed_in_at", AwareDateTime(), nullable=False),
    # 签退 (9002): when the number was signed out; a signed-out number is refused (migration 0018).
    Column("signed_out_at", AwareDateTime(), nullable=True),
)

# Tokens of gongji's own API (/api/v1). Only the SHA-256 of a token is kept: the token is shown once, when issued.
# An operator acts within the pooling regions listed in ``regions`` (comma-separated codes); an institution only
# on its own visits (``fixmedins_code``); an analyst reads aggregates. A revoked token stops authenticating at once.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("regions", String(400), nullable=True),
    Column("fixmedins_code", String(30), nullable=True),
    Column("label", String(100), nullable=True),
    Column("created_at", AwareDateTime(), nullable=False),
    Column("revoked_at", AwareDateTime(), nullable=True),
    CheckConstraint("role IN ('operator', 'institution', 'analyst')", name="role_known"),
)

# Every action a counter operator takes in the portal (谁、何时、做了什么、对谁): the operator as his token's id and
# fingerprint, the pooling region acted in, the action's name, the person acted on (masked ID number only) and a short
# detail. Rows are only ever added.
operator_actions = Table(
    "operator_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", AwareDateTime(), nullable=False, index=True),
    Column("operator", String(120), nullable=False),
    Column("region", String(12), nullable=True, index=True),
    Column("action", String(40), nullable=False),
    Column("subject", String(120), nullable=True),
    Column("detail", String(400), nullable=True),
    Column("refused_code", String(60), nullable=True),  # the error code of a refused action; NULL: done
)

# --- short-lived access state, shared by every worker process and kept across restarts ---------------------------
# Rows live until ``expires_at`` (or, for failures, a window after the last one); expired rows mean nothing and are
# deleted in small batches by whichever request happens to sweep (see ``gongji.service.access_state``).

# Portal sessions signed out before their cookies expire: the cookie stays refused until it would have expired anyway.
portal_signed_out = Table(
    "portal_signed_out",
    metadata,
    Column("sid", String(64), primary_key=True),
    Column("expires_at", AwareDateTime(), nullable=False, index=True),
)

# Gateway nonces (x-tif-nonce) of the national interface, kept until their request's timestamp leaves the window.
# The primary key makes "insert; a conflict means a replay" one atomic step, whichever worker the replay reaches.
gateway_nonces = Table(
    "gateway_nonces",
    metadata,
    Column("paasid", String(40), primary_key=True),
    Column("nonce", String(128), primary_key=True),
    Column("expires_at", AwareDateTime(), nullable=False, index=True),
)

# Pending portal sign-in challenges, one per ID number (a new code replaces the pending one). The ID number and the
# code are kept only as keyed hashes (HMAC with a key derived from the portal's secret), never in clear.
portal_challenges = Table(
    "portal_challenges",
    metadata,
    Column("certno_mac", String(64), primary_key=True),
    Column("challenge", String(64), nullable=False, unique=True),
    Column("person_id", Id, nullable=True),  # NULL: nobody holds the number (a challenge is made all the same)
    Column("code_mac", String(64), nullable=True),
    Column("issued_at", AwareDateTime(), nullable=False),
    Column("expires_at", AwareDateTime(), nullable=False, index=True),
    Column("attempts_left", Integer(), nullable=False),
)

# Failed portal sign-ins per subject (``certno:<hmac>``, ``client:<address>``), for the sign-in throttle.
portal_failures = Table(
    "portal_failures",
    metadata,
    Column("subject", String(120), primary_key=True),
    Column("failures", Integer(), nullable=False),
    Column("last_failed_at", AwareDateTime(), nullable=False, index=True),
)

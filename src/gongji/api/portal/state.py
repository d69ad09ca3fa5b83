"""What the portal application holds for its whole life: the gongji context, the session codec and guard, the one-time
codes, the sign-in throttle and the templates — one :class:`Portal` on ``app.state.portal`` of the portal's
sub-application. None of them keeps state of its own between requests: signed-out sessions, pending codes and failure
counts are in the database (:mod:`gongji.service.access_state`), so any worker process can answer any request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from fastapi import Request
from jinja2 import Environment

from gongji.api.portal.otp import OneTimeCodes
from gongji.api.portal.session import SessionCodec, SessionGuard
from gongji.api.portal.throttle import FailureThrottle
from gongji.service.context import Context
from gongji.service.verification import FakeFaceVerifier

__all__ = ["Portal", "PortalConfig", "portal_of"]


@dataclass(frozen=True)
class PortalConfig:
    """Limits of sessions and sign-in (seconds and counts)."""

    #: How long a signed-in session lasts from sign-in (absolute).
    session_max_age_s: int = 2 * 3600
    #: How long a one-time code is valid.
    code_ttl_s: int = 300
    #: Wrong codes allowed against one challenge before it is spent.
    code_attempts: int = 5
    #: How soon the same ID number may ask for another code.
    resend_after_s: int = 60
    #: Failures per ID number or client that cost nothing; each one after doubles the wait.
    free_failures: int = 3
    #: The first wait after the free failures.
    base_delay_s: float = 2.0
    #: The longest wait (a lockout window).
    max_delay_s: float = 900.0
    #: How long failures are remembered after the last one.
    failure_window_s: float = 900.0


@dataclass(frozen=True)
class Portal:
    """The portal's long-lived parts."""

    ctx: Context
    config: PortalConfig
    codec: SessionCodec
    sessions: SessionGuard
    codes: OneTimeCodes
    throttle: FailureThrottle
    templates: Environment

    @property
    def face_is_simulated(self) -> bool:
        """Whether face verification is the demo's fake (the confirm page then says so)."""
        return isinstance(self.ctx.face, FakeFaceVerifier)


def portal_of(request: Request) -> Portal:
    """The portal of the application serving ``request``."""
    return cast(Portal, request.app.state.portal)

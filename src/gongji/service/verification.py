"""Face verification (人脸识别) behind an interface: the national app's provider in production, a fake in tests.

A provider checks that the person confirming a binding is who they say they are, from a token the front end got
from the verification SDK. gongji records the provider's reference with the confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gongji.domain.people import Person

__all__ = ["FaceResult", "FaceVerifier", "FakeFaceVerifier"]


@dataclass(frozen=True)
class FaceResult:
    """What the provider said: passed or not, its reference for the record, and why not."""

    passed: bool
    reference: str
    reason: str = ""


class FaceVerifier(Protocol):
    """Checks who is acting: a face-verification token, or the person's 医保码 password (the wallet accepts either)."""

    def verify(self, person: Person, token: str) -> FaceResult: ...
    def verify_password(self, person: Person, password: str) -> FaceResult: ...


class FakeFaceVerifier:
    """For tests and the demo: any non-empty token passes, except one that starts with ``fail``."""

    def verify(self, person: Person, token: str) -> FaceResult:
        """Pass unless the token is empty or starts with ``fail``; the reference names the fake."""
        if not token.strip():
            return FaceResult(False, "", "no verification token")
        if token.startswith("fail"):
            return FaceResult(False, f"fake:{person.psn_no}:{token}", "the face did not match (fake provider)")
        return FaceResult(True, f"fake:{person.psn_no}:{token}")

    def verify_password(self, person: Person, password: str) -> FaceResult:
        """Pass unless the password is empty or starts with ``fail``; the reference never holds the password."""
        if not password.strip():
            return FaceResult(False, "", "no password")
        if password.startswith("fail"):
            return FaceResult(False, f"fake-pwd:{person.psn_no}", "the password is wrong (fake provider)")
        return FaceResult(True, f"fake-pwd:{person.psn_no}")

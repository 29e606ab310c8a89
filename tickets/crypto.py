"""Encryption at rest for access info (T-10): Fernet with a key from FIELD_ENCRYPTION_KEY."""
import base64
import hashlib
import json

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    # Any key string works: it is stretched to Fernet's 32 bytes. Without one (the embedded
    # default) the SECRET_KEY stands in; production requires FIELD_ENCRYPTION_KEY.
    material = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    key = hashlib.sha256(f"access-info:{material}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(data: dict) -> bytes:
    return _fernet().encrypt(json.dumps(data).encode())


def unseal(token: bytes) -> dict:
    return json.loads(_fernet().decrypt(bytes(token)))

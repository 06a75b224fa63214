"""Stable GUIDs: name-based UUIDs (uuid5) derived from what an object is, never random.

The same code, transcript, coder or coding gets the same GUID in every export, so two
exports of unchanged data are identical byte for byte and another tool that imports a
re-export recognises the objects it already has.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

# A fixed namespace for qualcode's REFI-QDA objects (itself derived from a URL we own the meaning of).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://qualcode.invalid/refi-qda")
_NS_BYTES = NAMESPACE.bytes
_SEP = "\x1f"  # a separator that cannot occur in names typed by people


def guid(kind: str, *parts: object) -> str:
    """The GUID of the object of ``kind`` identified by ``parts`` (e.g. ``guid("code", "peer_support", "trust")``).

    Exactly ``str(uuid.uuid5(NAMESPACE, key))``, computed without building UUID objects
    (an export makes one per selection and coding).
    """
    key = _SEP.join([kind, *("" if p is None else str(p) for p in parts)])
    digest = bytearray(hashlib.sha1(_NS_BYTES + key.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@lru_cache(maxsize=4096)
def code_guid(codebook: str, code_id: str) -> str:
    """A code's GUID depends on its codebook and its id only, so it survives new codebook versions."""
    return guid("code", codebook, code_id)


@lru_cache(maxsize=4096)
def user_guid(coder: str) -> str:
    return guid("user", coder)


@lru_cache(maxsize=4096)
def source_guid(transcript: str) -> str:
    return guid("source", transcript)


@lru_cache(maxsize=4096)
def variable_guid(name: str) -> str:
    return guid("variable", name)


def normalise(value: str | None) -> str | None:
    """A GUID as written by any tool (braces, upper case) in one comparable form."""
    if value is None:
        return None
    return value.strip().strip("{}").lower()

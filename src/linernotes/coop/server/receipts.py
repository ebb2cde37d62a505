"""Signed receipts: consent (fields of the Kantara Initiative Consent Receipt v1.1) and erasure.

Both sides keep them: the server signs with its key, the device verifies with the server's published
public key and stores the receipt in its state file.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from linernotes.coop import signing, terms
from linernotes.coop.server.config import Settings


def _receipt(kind: str, settings: Settings, contributor_id: str) -> dict[str, Any]:
    """The fields every receipt has: its id and time (named for its ``kind``), who and under which law."""
    return {
        "version": "KI-CR-v1.1.0",
        "receiptType": kind,
        f"{kind}ReceiptID": str(uuid.uuid4()),
        f"{kind}Timestamp": int(time.time()),
        "jurisdiction": settings.jurisdiction,
        "piiPrincipalId": contributor_id,
        "piiControllers": [{"piiController": settings.controller, "contact": settings.controller_contact,
                            "email": settings.controller_contact, "piiControllerUrl": settings.policy_url}],
        "policyUrl": settings.policy_url,
    }


def consent(settings: Settings, key: Ed25519PrivateKey, contributor_id: str, scopes: list[str]) -> dict[str, Any]:
    """A signed consent receipt for ``scopes``."""
    payload = {
        **_receipt("consent", settings, contributor_id),
        "collectionMethod": "explicit consent given in `linernotes coop join` after the purposes were shown",
        "language": "en",
        "publicKey": base64.b64encode(signing.public_key_bytes(key)).decode(),
        "termsVersion": terms.TERMS_VERSION,
        "services": [{
            "service": "linernotes cooperative",
            "purposes": [{"purpose": terms.PURPOSES[s]["purpose"], "scope": s,
                          "purposeCategory": terms.PURPOSES[s]["purposeCategory"], "consentType": "EXPLICIT",
                          "piiCategory": terms.PURPOSES[s]["piiCategory"], "primaryPurpose": True,
                          "termination": terms.TERMINATION, "thirdPartyDisclosure": False}
                         for s in scopes],
        }],
        "sensitive": False,
        "spiCat": [],
    }
    return signing.sign(payload, key)


def erasure(settings: Settings, key: Ed25519PrivateKey, contributor_id: str, consent_receipt_ids: list[str],
            scopes: list[str], packages: int, files: list[str]) -> dict[str, Any]:
    """A signed receipt that everything held about ``contributor_id`` was deleted: ``files`` are the deleted
    files (``<scope>/<name>``), also those a crash had left without a database row."""
    payload = {
        **_receipt("erasure", settings, contributor_id),
        "consentReceiptIDs": consent_receipt_ids,
        "scopesErased": scopes,
        "packagesDeleted": packages,
        "filesDeleted": len(files),
        "filesErased": files,
        "statement": "Every contribution file and every database row about this contributor was deleted; "
                     "later releases and models exclude them. The audit log keeps only the event and counts.",
    }
    return signing.sign(payload, key)

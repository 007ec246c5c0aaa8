"""Strict formats of the fields written on the chain in the clear. None can hold a BSN (nine digits)
or a sentence; docs/wire-format.md lists them for producers.

A digit run is at most four long in a code or an actor id, so a BSN, a phone number or an account
number cannot be put there; hashes and UUIDs are random hex by definition.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

__all__ = [
    "ACTOR_ID_PATTERN",
    "ARTICLE_PATTERN",
    "CHAIN_PATTERN",
    "CODE_PATTERN",
    "E164",
    "E164_PATTERN",
    "EVENT_ID_PATTERN",
    "ActorId",
    "Article",
    "ChainName",
    "Code",
    "EventId",
    "POLICY_VERSION_PATTERN",
    "PolicyVersion",
    "Sha256Hex",
    "VersionId",
    "derived_event_id",
]

# RFC 9562 §4: canonical lowercase text form, variant 10xx, versions 1-8.
EVENT_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
# Lowercase words joined by '-' or '.': no digits at all (organisations, activities, topics, producers).
CODE_PATTERN = r"^[a-z](?:[a-z.-]{0,62}[a-z])?$"
# A controller organisation, which names its chain: a code without dots, so that it is one URL path
# segment and one file name as it is (the HTTP API serves chains under this same pattern).
CHAIN_PATTERN = r"^[a-z](?:[a-z-]{0,62}[a-z])?$"
# A person's user id (employee, known person): a letter, then letters and at most four digits in all,
# however they are split ('bsn111-222-333' and 'b1s2n3...' hold too many): no BSN, phone number or
# date fits.
ACTOR_ID_PATTERN = r"^[a-z][a-z._-]{0,63}(?:[0-9][a-z._-]{0,63}){0,4}$"
# A version label such as 'toestemmingsformulier-foto-2026', '2026-01-15' or 'v3.1': at most eight
# digits in all, however split, so a date fits and a BSN (nine) or a phone number (ten) does not.
VERSION_PATTERN = r"^[a-z0-9][a-z._-]{0,63}(?:[0-9][a-z._-]{0,63}){0,7}$"
# An article of a law: '53a', '54', '8 lid 3', '6:4 lid 1 onder b', 'hoofdstuk 9'.
ARTICLE_PATTERN = (
    r"^(?:hoofdstuk [0-9]{1,2}[a-z]?(?: en [0-9]{1,2}[a-z]?)?|[0-9]{1,3}[a-z]{0,2}(?::[0-9]{1,3}[a-z]{0,2})?)"
    r"(?: lid [0-9]{1,2})?(?: onder [a-z]{1,2})?$"
)

# ITU-T E.164 as "+<country><number>": personal wherever it appears.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
E164 = Annotated[str, Field(pattern=E164_PATTERN)]

EventId = Annotated[
    str, Field(pattern=EVENT_ID_PATTERN, description="A UUID (RFC 9562), lowercase with hyphens")
]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
ChainName = Annotated[str, Field(min_length=1, max_length=64, pattern=CHAIN_PATTERN)]
ActorId = Annotated[str, Field(min_length=1, max_length=64, pattern=ACTOR_ID_PATTERN)]
VersionId = Annotated[str, Field(min_length=1, max_length=64, pattern=VERSION_PATTERN)]
Article = Annotated[str, Field(max_length=40, pattern=ARTICLE_PATTERN)]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# The notifier's policy: its name, '.', 12 hex of the hash of its rules ('art8-lid3.6c8aea9e932a').
POLICY_VERSION_PATTERN = r"^[a-z][a-z-]{0,31}(?:[0-9]{1,4}[a-z-]{1,31}){0,4}[0-9]{0,4}\.[0-9a-f]{12}$"
PolicyVersion = Annotated[str, Field(max_length=64, pattern=POLICY_VERSION_PATTERN)]

# The namespace of event ids a service derives from another id (RFC 9562 §5.5, UUIDv5).
DERIVED_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:consent-ledger:derived-event-id")


def derived_event_id(*parts: str) -> str:
    """A stable UUID for an event derived from others (an expiry of a grant, a notice of a
    withdrawal): deriving it twice gives the same id, so publishing twice records once."""
    return str(uuid.uuid5(DERIVED_ID_NAMESPACE, "\x00".join(parts)))

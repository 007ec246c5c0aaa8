"""The AsyncAPI 3.0 document of the streams (`GET /asyncapi.json`, beside `/openapi.json`): made by
FastStream from the running broker's subscribers, then told what FastStream cannot know: each stream
entry carries an event in the ledger's envelope or as a CloudEvent (NL GOV profile) in its field
`event`, and the producer's signature in `sig`; the server is named without its address or
credentials, and the consumer names of this process are left out."""

from __future__ import annotations

import json
from typing import Any

from faststream.specification import AsyncAPI
from ledger_contracts import EVENT_ADAPTER

__all__ = ["asyncapi_document"]

SERVER = "ledger"
STREAM_ENTRY = {
    "type": "object",
    "required": ["event"],
    "properties": {
        "event": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": "UTF-8 JSON, at most 64 KiB: an event in the ledger's envelope "
            "(#/components/schemas/Event) or the same event as a CloudEvent of the NL GOV profile "
            "(docs/wire-format.md, 'CloudEvents')",
        },
        "sig": {
            "type": "string",
            "pattern": "^ed25519:[A-Za-z0-9_-]+$",
            "description": "Ed25519 over the RFC 8785 bytes of `event`; required outside development mode",
        },
    },
    "additionalProperties": False,
}


def asyncapi_document(broker: Any, version: str) -> dict[str, Any]:
    spec = AsyncAPI(
        broker,
        title="Consent and disclosure ledger: streams",
        version=version,
        description="Redis Streams the ledger and the notifier read. Publish with XADD; "
        "docs/wire-format.md has examples in every language's reach.",
    )
    doc: dict[str, Any] = json.loads(spec.to_specification().to_json())
    named = json.dumps(doc)
    for server in doc.get("servers", {}):
        named = named.replace(f"#/servers/{server}", f"#/servers/{SERVER}")
    doc = json.loads(named)
    doc["servers"] = {
        SERVER: {
            "host": "redis.example:6379",
            "protocol": "redis",
            "description": "LEDGER_REDIS_URL: Redis with the append-only file, TLS and an ACL user per "
            "producer that may only XADD to ledger.events.* (docs/operations.md)",
        }
    }
    for channel in doc.get("channels", {}).values():
        channel.get("bindings", {}).get("redis", {}).pop("consumerName", None)
    components = doc.setdefault("components", {})
    event_schema = EVENT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")
    schemas = {**event_schema.pop("$defs", {}), "Event": event_schema, "StreamEntry": STREAM_ENTRY}
    components["schemas"] = schemas
    for message in components.get("messages", {}).values():
        message["payload"] = {"$ref": "#/components/schemas/StreamEntry"}
        message.pop("correlationId", None)
    return doc

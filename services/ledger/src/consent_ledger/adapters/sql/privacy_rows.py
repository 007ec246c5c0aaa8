"""The rows an append writes for the register and the data subject's rights: registers published,
violations found, requests and holds tracked, and a subject's key destroyed with its erasure
entries (app.registers, app.retention, app.subject_rights)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, select, tuple_

from ...app.ports import RightsRow, ViolationRow
from ...core.entries import AppendedEntry
from .bulk import (
    chunks,
    vars_of,
)
from .tables import (
    CONSENT,
    ENTRY,
    ERASURE,
    HANDLE,
    HOLD,
    KEY,
    MILESTONE,
    REGISTER,
    REGISTERED,
    REQUEST,
    VIOLATION,
)

__all__ = ["PrivacyRows", "registers_in_force"]


class PrivacyRows:
    """Part of SqlTransaction, over its connection `_conn`."""

    _conn: Connection

    def register_versions(self, chains: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
        q = (
            select(REGISTER.c.chain, REGISTER.c.seq, REGISTER.c.version)
            .where(REGISTER.c.chain.in_(sorted(set(chains))))
            .order_by(REGISTER.c.chain, REGISTER.c.seq)
        )
        out: dict[str, list[tuple[int, str]]] = {}
        for chain, seq, version in self._conn.execute(q):
            out.setdefault(chain, []).append((int(seq), version))
        return out

    def register_document(self, chain: str, seq: int) -> str:
        q = select(REGISTER.c.document).where(REGISTER.c.chain == chain, REGISTER.c.seq == seq)
        return str(self._conn.execute(q).scalar_one())

    def put_register(self, chain: str, seq: int, version: str, document: dict[str, Any], at: str) -> None:
        self._conn.execute(
            REGISTER.insert(),
            [
                {
                    "chain": chain,
                    "seq": seq,
                    "version": version,
                    "document": json.dumps(document, ensure_ascii=False),
                    "recorded_at": at,
                }
            ],
        )

    def destroy(self, handle: str, scopes: Sequence[Any], erasure_entries: Sequence[AppendedEntry]) -> None:
        """Erasure (app.retention): the key goes, and with it everything that leads from the person
        to the handle or its entries; an erasure record points the person at the erasure entries."""
        conn = self._conn
        sealed = ENTRY.c.key_id == handle
        pseudonyms = {s.pseudonym for s in scopes}
        places = conn.execute(select(ENTRY.c.chain, ENTRY.c.seq).where(sealed)).all()
        disclosures: dict[str, int] = {}  # activity -> disclosures made unreadable, for the access report
        for (body,) in conn.execute(select(ENTRY.c.body).where(sealed, ENTRY.c.kind == "event")):
            event = json.loads(bytes(body))["event"]
            if event.get("event_type") == "disclosure.recorded":
                activity = event.get("processing_activity", "")
                disclosures[activity] = disclosures.get(activity, 0) + 1
        for chunk in chunks(places):
            conn.execute(
                CONSENT.delete().where(
                    CONSENT.c.subject.in_(sorted(pseudonyms)),
                    tuple_(CONSENT.c.chain, CONSENT.c.seq).in_(chunk),
                )
            )
        conn.execute(ENTRY.update().where(sealed).values(subject=None, key_id=None))
        conn.execute(KEY.delete().where(KEY.c.key_id == handle))
        conn.execute(HANDLE.delete().where(HANDLE.c.handle == handle))
        for s in scopes:
            conn.execute(
                REGISTERED.delete().where(
                    REGISTERED.c.pseudonym == s.pseudonym,
                    REGISTERED.c.controller == s.controller,
                    REGISTERED.c.activity == s.activity,
                )
            )
            conn.execute(
                MILESTONE.delete().where(
                    MILESTONE.c.pseudonym == s.pseudonym,
                    MILESTONE.c.controller == s.controller,
                    MILESTONE.c.activity == s.activity,
                )
            )
            left = conn.execute(
                select(HANDLE.c.handle)
                .where(HANDLE.c.pseudonym == s.pseudonym, HANDLE.c.controller == s.controller)
                .limit(1)
            ).first()
            if left is None:  # nothing of the subject stays at this controller: nor their last contact
                conn.execute(
                    MILESTONE.delete().where(
                        MILESTONE.c.pseudonym == s.pseudonym, MILESTONE.c.controller == s.controller
                    )
                )
        rows = []
        for scope, entry in zip(scopes, erasure_entries, strict=True):
            data = entry.document["event"]["data"]
            rule = data.get("rule") or {}
            rows.append(
                {
                    "chain": entry.chain,
                    "seq": entry.seq,
                    "pseudonym": scope.pseudonym,
                    "activity": scope.activity,
                    "cause": data["cause"],
                    "rule": f"{rule.get('milestone') or 'request'}+{rule.get('duration') or ''}".rstrip("+"),
                    "due_on": data.get("due_on"),
                    "erased_at": entry.document["recorded_at"],
                    "disclosures": disclosures.get(scope.activity, 0),
                }
            )
        conn.execute(ERASURE.insert(), rows)

    def put_violations(self, rows: Sequence[ViolationRow]) -> None:
        if rows:
            self._conn.execute(VIOLATION.insert(), [vars_of(r) for r in rows])

    def track_rights(self, rows: Sequence[RightsRow]) -> None:
        conn = self._conn
        for r in rows:
            d = r.data
            if r.event_type == "subject.request-received":
                if conn.execute(
                    select(REQUEST.c.request_id).where(REQUEST.c.request_id == d["request_id"])
                ).first():
                    continue  # the same request told twice: the first entry stands
                conn.execute(
                    REQUEST.insert().values(
                        request_id=d["request_id"],
                        chain=r.chain,
                        pseudonym=r.pseudonym,
                        right=d["right"],
                        received_on=d["received_on"],
                        due_on=d["due_on"],
                        received_seq=r.seq,
                    )
                )
            elif r.event_type == "subject.request-decided":
                conn.execute(
                    REQUEST.update()
                    .where(REQUEST.c.request_id == d["request_id"], REQUEST.c.decided_at.is_(None))
                    .values(decided_at=r.recorded_at, outcome=d["outcome"], decided_seq=r.seq)
                )
            elif d["state"] == "placed":
                if conn.execute(select(HOLD.c.hold_id).where(HOLD.c.hold_id == d["hold_id"])).first():
                    continue
                conn.execute(
                    HOLD.insert().values(
                        hold_id=d["hold_id"],
                        chain=r.chain,
                        pseudonym=r.pseudonym,
                        kind=d["kind"],
                        until=d.get("until"),
                        placed_at=r.recorded_at,
                        request_id=d.get("request_id"),
                    )
                )
            else:
                conn.execute(
                    HOLD.update()
                    .where(HOLD.c.hold_id == d["hold_id"], HOLD.c.lifted_at.is_(None))
                    .values(lifted_at=r.recorded_at)
                )


def registers_in_force(conn: Connection, chains: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """chain -> (version, document JSON) of the latest register published on it."""
    latest = select(REGISTER.c.chain, func.max(REGISTER.c.seq).label("seq")).group_by(REGISTER.c.chain)
    if chains is not None:
        latest = latest.where(REGISTER.c.chain.in_(sorted(set(chains))))
    sub = latest.subquery()
    q = select(REGISTER.c.chain, REGISTER.c.version, REGISTER.c.document).join(
        sub, (REGISTER.c.chain == sub.c.chain) & (REGISTER.c.seq == sub.c.seq)
    )
    return {chain: (version, doc) for chain, version, doc in conn.execute(q)}

"""The dead letters in the ledger's database (issue 29 item 7): written by the consumer before it
acknowledges the refused entries, read and removed by the operator's commands (app.dead_letters).
An entry refused again after a redelivery is one dead letter (its source is unique)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .models import DeadLetterRow

__all__ = ["SqlDeadLetters"]

DEAD_LETTER = DeadLetterRow.__table__  # type: ignore[attr-defined]


class SqlDeadLetters:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, letters: Sequence[tuple[str, dict[str, str]]]) -> None:
        """(stream id, fields) of each; one already kept for its source is left as it is."""
        if not letters:
            return
        rows = [
            {
                "dead_letter_id": letter_id,
                "source": f"{fields['source_stream']}/{fields['source_id']}",
                "reason": fields["reason"],
                "refused_at": fields["refused_at"],
                "fields": json.dumps(fields, ensure_ascii=False, sort_keys=True),
            }
            for letter_id, fields in letters
        ]
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        with self.engine.begin() as conn:
            conn.execute(insert(DEAD_LETTER).values(rows).on_conflict_do_nothing())

    def list(self, limit: int, reason: str | None = None) -> list[tuple[str, dict[str, str]]]:
        q = select(DEAD_LETTER.c.dead_letter_id, DEAD_LETTER.c.fields).order_by(
            DEAD_LETTER.c.refused_at, DEAD_LETTER.c.dead_letter_id
        )
        if reason is not None:
            q = q.where(DEAD_LETTER.c.reason == reason)
        with self.engine.connect() as conn:
            return [(i, json.loads(f)) for i, f in conn.execute(q.limit(limit))]

    def get(self, dead_letter_id: str) -> dict[str, str] | None:
        q = select(DEAD_LETTER.c.fields).where(DEAD_LETTER.c.dead_letter_id == dead_letter_id)
        with self.engine.connect() as conn:
            found = conn.execute(q).scalar_one_or_none()
        return json.loads(found) if found is not None else None

    def remove(self, dead_letter_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(DEAD_LETTER).where(DEAD_LETTER.c.dead_letter_id == dead_letter_id))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(DEAD_LETTER)).scalar_one())

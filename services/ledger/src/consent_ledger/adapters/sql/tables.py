"""The ledger's tables as SQLAlchemy Core, the stored time format, and the settings that keep
the write transaction's queries on their indexes."""

from __future__ import annotations

from datetime import UTC, datetime

from .models import (
    AcceptedFactRow,
    ChainHeadRow,
    CheckpointRow,
    ConsentStateRow,
    CosignatureRow,
    ErasureRecordRow,
    EventIndexRow,
    LedgerEntryRow,
    MerkleNodeRow,
    ProcessingRegisterRow,
    RegisteredSubjectRow,
    RegisterViolationRow,
    RetentionMilestoneRow,
    SubjectHandleRow,
    SubjectHoldRow,
    SubjectKeyRow,
    SubjectRequestRow,
)

__all__ = [
    "ACCEPTED",
    "ENTRY",
    "HEAD",
    "INDEX",
    "KEY",
    "CONSENT",
    "NODE",
    "CHECKPOINT",
    "COSIGNATURE",
    "ERASURE",
    "HANDLE",
    "MILESTONE",
    "REGISTER",
    "VIOLATION",
    "REQUEST",
    "HOLD",
    "REGISTERED",
    "HEAD_COLUMNS",
    "CHUNK",
    "INDEX_PATHS_ONLY",
    "fixed_utc",
    "parse_fixed_utc",
    "parse_rfc3339",
]


ENTRY = LedgerEntryRow.__table__  # type: ignore[attr-defined]
HEAD = ChainHeadRow.__table__  # type: ignore[attr-defined]
INDEX = EventIndexRow.__table__  # type: ignore[attr-defined]
KEY = SubjectKeyRow.__table__  # type: ignore[attr-defined]
CONSENT = ConsentStateRow.__table__  # type: ignore[attr-defined]
NODE = MerkleNodeRow.__table__  # type: ignore[attr-defined]
CHECKPOINT = CheckpointRow.__table__  # type: ignore[attr-defined]
COSIGNATURE = CosignatureRow.__table__  # type: ignore[attr-defined]
ERASURE = ErasureRecordRow.__table__  # type: ignore[attr-defined]
HANDLE = SubjectHandleRow.__table__  # type: ignore[attr-defined]
MILESTONE = RetentionMilestoneRow.__table__  # type: ignore[attr-defined]
REGISTER = ProcessingRegisterRow.__table__  # type: ignore[attr-defined]
VIOLATION = RegisterViolationRow.__table__  # type: ignore[attr-defined]
REQUEST = SubjectRequestRow.__table__  # type: ignore[attr-defined]
HOLD = SubjectHoldRow.__table__  # type: ignore[attr-defined]
REGISTERED = RegisteredSubjectRow.__table__  # type: ignore[attr-defined]
ACCEPTED = AcceptedFactRow.__table__  # type: ignore[attr-defined]
HEAD_COLUMNS = (HEAD.c.chain, HEAD.c.length, HEAD.c.head_hash, HEAD.c.frontier)
CHUNK = 500  # bound for IN (...) lists
# For the rest of a PostgreSQL transaction: plan every statement afresh (no generic plan kept from a
# time with other settings) and never by a sequential scan where an index can answer. Without
# statistics (autovacuum off, a table never analysed) the planner takes `event_id IN (...500 ids...)`
# for a scan of the whole table, and every append would cost O(ledger size); every query of the
# append has an index that answers it (tests/ledger/adapters/test_query_plans.py).
_SETTINGS = (("enable_seqscan", "off"), ("plan_cache_mode", "force_custom_plan"))
INDEX_PATHS_ONLY = "SELECT " + ", ".join(f"set_config('{k}', '{v}', true)" for k, v in _SETTINGS)


def fixed_utc(moment: datetime) -> str:
    """Fixed-width UTC text that sorts like time: 2026-03-01T09:00:00.000000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_fixed_utc(value: str) -> datetime:
    """The stored form, always `YYYY-MM-DDTHH:MM:SS.ffffffZ`."""
    return datetime.fromisoformat(value)


def parse_rfc3339(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))

"""A phone request from another system (a telephony platform) to the notifier: the one message that
carries telephone numbers. It goes on its own stream, read only by the notifier and deleted from it
once decided; the ledger never reads it. What the ledger records is the notifier's
`phone.disclosure-requested`, which says how the numbers compared with the registry, not the numbers.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from .formats import E164, ActorId, Code, EventId
from .privacy import clear, personal
from .streams import PHONE_REQUEST_STREAM
from .subjects import SubjectRef
from .vocabulary import DataCategory

__all__ = ["PHONE_REQUEST_STREAM", "PhoneCallRequest"]


class PhoneCallRequest(BaseModel):
    """`XADD notifier.phone-requests * request <json>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: EventId = clear(description="A UUID chosen by the platform; the same id is decided once")
    occurred_at: AwareDatetime = clear()
    producer: Code = clear(description="Registered id of the publishing system")
    subject: SubjectRef
    caller_party_id: Code = clear()
    caller_person_id: ActorId | None = clear(None)
    calling_number: E164 | None = personal(None, description="The number the call came from; never kept")
    given_number: E164 | None = personal(
        None, description="A number the caller asked to be called back on; used only if verified"
    )
    topic: Code = clear()
    data_categories: list[DataCategory] = clear(min_length=1, max_length=32)
    requested_by: ActorId = clear(description="Employee or line taking the call")

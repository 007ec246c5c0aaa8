"""docs/wire-format.md's stream table is what producers publish to (issue 29 item 12: `case.*` went
to the phone stream and the operations stream was named nowhere): every event type is in the table
once, on the stream `stream_for` gives it, and the table names every event stream."""

from __future__ import annotations

import re
from pathlib import Path

from ledger_contracts import EVENT_TYPES
from ledger_contracts.streams import EVENT_STREAMS, stream_for

WIRE = Path(__file__).resolve().parents[2] / "docs/wire-format.md"


def test_the_documented_stream_of_every_event_type_is_its_stream():
    table = WIRE.read_text(encoding="utf-8").split("| stream | event types |", 1)[1].split("\n\n", 1)[0]
    documented: dict[str, str] = {}
    streams = []
    for row in table.splitlines()[2:]:
        stream, types = (cell.strip() for cell in row.strip().strip("|").split("|"))
        streams.append(stream.strip("`"))
        for event_type in re.findall(r"`([a-z.-]+)`", types):
            assert event_type not in documented, f"{event_type} in the table twice"
            documented[event_type] = stream.strip("`")
    assert streams == list(EVENT_STREAMS)
    assert documented == {t: stream_for(t) for t in EVENT_TYPES}

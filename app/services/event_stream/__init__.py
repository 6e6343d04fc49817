"""Live event streams: the event feed followed as it is written, for all the streams of one process.

Each process holds one LISTEN connection for every stream it serves (opened again whenever the
database drops it) and one loop, its tail (`tail.py`), that follows the feed's settled horizon:
the point before which no event can still appear (see `store.events.horizon`). A NOTIFY (sent
on commit by every transaction that writes events) or a periodic poll wakes the tail; once new
events have settled it reads them from the table ONCE for every stream, with the feed's cursor
and each event's ticket's visibility facts, makes each event's frame once per shape, and hands
each following stream the frames it sees (`audiences.py`: its visibility and filters, matched
in memory, once per distinct audience) as bytes queued for one write. A customer token's stream
is one more audience: its customer's tickets, the events a customer may know of, each framed in
the customer's shape. A stream that starts behind the tail (it resumes from a cursor) first
reads what it missed from the table itself (`catch_up.py`), up to the tail's position, and
follows from there (`streams.py`). Nothing is served from memory alone, so a stream resumed on
any replica with its last event's cursor misses nothing and repeats nothing."""

from app.services.event_stream.audiences import Audience, customer_event_out
from app.services.event_stream.limits import StreamLimits, Wire
from app.services.event_stream.streams import Admission, EventStreams

__all__ = ["Admission", "Audience", "EventStreams", "StreamLimits", "Wire", "customer_event_out"]

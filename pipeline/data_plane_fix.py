"""Stop DirectRunner from silently dropping elements of large stage inputs, and stream them.

FnApiRunner writes a stage's whole buffered input to an SDK worker, then
asks the worker to process it. Its gRPC data plane wraps that write in a
``TimeBasedBufferingClosableOutputStream`` (``worker_handlers`` fixes the
flush period at 1 s), whose flush thread hands the buffer on and then clears
it while ``write`` goes on unlocked: whatever the runner writes in between is
lost, with no error. The bigger the input, the slower the hand-over and the
bigger the loss: with Beam 2.77.0, ``benchmarks/directrunner_loss.py 100
10000 2000`` read back 678,151 of 1,000,000 elements.

Without the timer nothing races, but the runner then sends each input as one
message: three copies of it in the runner at once, and gRPC's 2 GB limit per
stage input and worker. Sent in pieces instead, an input larger than the
runner's send queue (100 MB) and the worker's receive queue (5 messages)
deadlocks, because the worker reads a bundle's data only once asked to
process it, and the runner asks only after sending everything.

So the runner here sends each input to a gRPC worker in the pieces it
already holds (the workers' own output messages, about 10 MB each) from a
thread of its own, and asks for the bundle to be processed at once: the worker
consumes while the runner sends. Grouped (GroupByKey) output, which Beam
encodes as one piece per worker, is cut here into pieces of about the same
size, dropping each group from the table once encoded; gRPC's limit then
bounds only a single key's group, and a piece over it fails before anything
is sent. In-process workers (``in_memory``) get their input as before: they
process a bundle inside the request.
"""

from __future__ import annotations

import logging
import threading

from apache_beam.coders.coder_impl import create_OutputStream
from apache_beam.runners.portability.fn_api_runner import execution, fn_runner, worker_handlers
from apache_beam.runners.worker import data_plane
from apache_beam.transforms.window import GlobalWindow, GlobalWindows
from apache_beam.utils import windowed_value

_send_whole = fn_runner.BundleManager._send_input_to_worker
_partition_whole = execution.GroupingBuffer.partition
# The size at which workers cut their own output into messages.
PIECE = data_plane._DEFAULT_SIZE_FLUSH_THRESHOLD
# A piece joins at most one flush threshold of smaller ones in a message.
MAX_PIECE = data_plane._FLUSH_MAX_SIZE - data_plane._DEFAULT_SIZE_FLUSH_THRESHOLD


class OversizedInput(ValueError):
    """A piece of a stage input too large for one gRPC message."""


def _send_in_pieces(manager, process_bundle_id: str, read_transform_id: str, byte_streams) -> None:
    if not isinstance(manager._worker_handler, worker_handlers.GrpcWorkerHandler):
        return _send_whole(manager, process_bundle_id, read_transform_id, byte_streams)
    pieces = list(byte_streams or [])
    largest = max(map(len, pieces), default=0)
    if largest > MAX_PIECE:
        raise OversizedInput(f"a piece of a stage input (one key's group, if grouped) is {largest:,} bytes, "
                             f"over gRPC's message limit ({MAX_PIECE:,}) for one worker")
    stream = manager._worker_handler.data_conn.output_stream(process_bundle_id, read_transform_id)

    def send() -> None:
        try:
            for piece in pieces:
                stream.write(piece)
                stream.maybe_flush()
            stream.close()
        except Exception:  # the worker is gone; the runner's read of its output fails with it
            logging.exception("sending the input of %s failed", process_bundle_id)

    threading.Thread(target=send, name=f"send-{process_bundle_id}", daemon=True).start()


def _in_global_window():
    """Beam's own pane for a whole key's values in the global window (``GroupingBuffer.partition``)."""
    pane = windowed_value.PaneInfo(is_first=True, is_last=True, timing=windowed_value.PaneInfoTiming.ON_TIME,
                                   index=0, nonspeculative_index=0)
    return GlobalWindows.windowed_value(None, timestamp=GlobalWindow().max_timestamp(), pane_info=pane).with_value


def _partition_in_pieces(buffer: execution.GroupingBuffer, n: int) -> list[list[bytes]]:
    """Beam's key-to-worker assignment (table order, round robin), cut into pieces of about PIECE bytes."""
    if buffer._grouped_output or not buffer._windowing.is_default():
        return _partition_whole(buffer, n)
    windowed = _in_global_window()
    coder_impl = buffer._post_grouped_coder.get_impl()
    key_coder_impl = buffer._key_coder.get_impl()
    parts: list[list[bytes]] = [[] for _ in range(n)]
    streams = [create_OutputStream() for _ in range(n)]
    for idx, encoded_key in enumerate(list(buffer._table)):
        worker = idx % n
        values = buffer._table.pop(encoded_key)
        coder_impl.encode_to_stream(windowed((key_coder_impl.decode(encoded_key), values)), streams[worker], True)
        if streams[worker].size() >= PIECE:
            parts[worker].append(streams[worker].get())
            streams[worker] = create_OutputStream()
    for part, stream in zip(parts, streams):
        if stream.size() or not part:
            part.append(stream.get())
    buffer._grouped_output = parts
    return parts


def stream_stage_inputs() -> None:
    """Applies to runners started afterwards in this process."""
    worker_handlers.DATA_BUFFER_TIME_LIMIT_MS = 0
    fn_runner.BundleManager._send_input_to_worker = _send_in_pieces
    execution.GroupingBuffer.partition = _partition_in_pieces

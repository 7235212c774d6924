"""The data-plane fix: DirectRunner sends each stage input to a worker whole, in one message."""

import time

from apache_beam.runners.portability.fn_api_runner import worker_handlers
from apache_beam.runners.worker import data_plane

from newsdedup.pipeline.data_plane_fix import send_stage_inputs_whole

CHUNK = b"x" * 100_000
WRITES = 12


def _sent_by_runner(write) -> list:
    """The data messages the runner's data plane, built as ``GrpcServer`` builds it, sends for one input."""
    servicer = data_plane.BeamFnDataServicer(worker_handlers.DATA_BUFFER_TIME_LIMIT_MS)
    channel = servicer.get_conn_by_worker_id("worker")
    stream = channel.output_stream("bundle_1", "read")
    write(stream)
    stream.close()
    channel.close()
    return [data for elements in channel._write_outputs() for data in elements.data]


def _write_slowly(stream) -> None:
    for _ in range(WRITES):  # 1.2 s in all, longer than the 1 s period of Beam's flush timer
        stream.write(CHUNK)
        time.sleep(0.1)


def test_a_stage_input_leaves_whole_however_long_it_takes_to_write():
    send_stage_inputs_whole()
    sent = _sent_by_runner(_write_slowly)
    assert [len(data.data) for data in sent] == [WRITES * len(CHUNK), 0]
    assert sent[-1].is_last


"""The data-plane fix: DirectRunner sends each stage input to a worker whole, and says when one is too large."""

import time

from apache_beam.runners.portability.fn_api_runner import worker_handlers
from apache_beam.runners.worker import data_plane

from newsdedup.pipeline.data_plane_fix import send_stage_inputs_whole
from newsdedup.pipeline.run import failure_report

CHUNK = b"x" * 100_000
WRITES = 12


def _sent_by_runner_for_a_slow_input() -> list:
    """The data messages the runner's data plane, built as ``GrpcServer`` builds it, sends for one input
    written over 1.2 s, longer than the 1 s period of Beam's flush timer."""
    servicer = data_plane.BeamFnDataServicer(worker_handlers.DATA_BUFFER_TIME_LIMIT_MS)
    channel = servicer.get_conn_by_worker_id("worker")
    stream = channel.output_stream("bundle_1", "read")
    for _ in range(WRITES):
        stream.write(CHUNK)
        time.sleep(0.1)
    stream.close()
    channel.close()
    return [data for elements in channel._write_outputs() for data in elements.data]


def test_a_stage_input_leaves_whole_however_long_it_takes_to_write():
    send_stage_inputs_whole()
    sent = _sent_by_runner_for_a_slow_input()
    assert [len(data.data) for data in sent] == [WRITES * len(CHUNK), 0]
    assert sent[-1].is_last


# Lines a 2.2 GB stage input to one worker logged (benchmarks/directrunner_loss.py 100 11000 2000
# --whole-inputs --direct_num_workers=1, Beam 2.77.0).
OVERSIZED_LOG = """\
ERROR:grpc._server:Exception iterating responses: Error parsing message with type 'org.apache.beam.model.fn_execution.v1.Elements.Data'
google.protobuf.message.DecodeError: Error parsing message with type 'org.apache.beam.model.fn_execution.v1.Elements.Data'
RuntimeError: Channel closed prematurely.
"""


def test_a_failure_from_an_oversized_stage_input_says_what_to_do(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(OVERSIZED_LOG)
    report = failure_report(RuntimeError("Pipeline job failed.\nmore"), log)
    assert report.startswith("the pipeline failed: RuntimeError: Pipeline job failed.\nA stage's input to one worker")
    assert "--direct_num_workers" in report
    assert report.endswith("RuntimeError: Channel closed prematurely.")


def test_other_failures_get_the_log_without_a_hint(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("ValueError: bad\n")
    assert failure_report(ValueError("bad"), log) == (
        f"the pipeline failed: ValueError: bad\n--- last lines of {log} ---\nValueError: bad")

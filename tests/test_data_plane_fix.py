"""The data-plane fix: DirectRunner streams each stage input to a worker in pieces, loses none, and says
when a piece is too large."""

import subprocess
import sys
import textwrap
import threading
import time

from apache_beam import coders
from apache_beam.coders.coder_impl import create_InputStream
from apache_beam.runners.portability.fn_api_runner import execution, fn_runner, worker_handlers
from apache_beam.runners.worker import data_plane
from apache_beam.transforms import core, window

from conftest import SEEDS
from newsdedup.pipeline import data_plane_fix
from newsdedup.pipeline.cli import main
from newsdedup.pipeline.run import failure_report

CHUNK = b"x" * 100_000
WRITES = 20


def test_a_slowly_written_stage_input_loses_nothing_to_a_flush_timer():
    """Beam's 1 s flush timer hands the buffer on, then clears it: what the runner writes meanwhile was lost.
    A slow hand-over (as a large buffer has) makes that window 0.5 s wide here."""
    data_plane_fix.stream_stage_inputs()
    servicer = data_plane.BeamFnDataServicer(worker_handlers.DATA_BUFFER_TIME_LIMIT_MS)
    channel = servicer.get_conn_by_worker_id("worker")
    stream = channel.output_stream("bundle_1", "read")
    hand_on = stream._flush_callback
    stream._flush_callback = lambda data: (time.sleep(0.5), hand_on(data))
    for _ in range(WRITES):
        stream.write(CHUNK)
        time.sleep(0.1)
    stream.close()
    channel.close()
    sent = [data for elements in channel._write_outputs() for data in elements.data]
    assert sum(len(data.data) for data in sent) == WRITES * len(CHUNK)
    assert sent[-1].is_last


def _grpc_bundle_manager():
    """A BundleManager facing a gRPC worker's data channel, as FnApiRunner builds them, without the worker."""
    channel = data_plane.BeamFnDataServicer(0).get_conn_by_worker_id("worker")
    handler = object.__new__(worker_handlers.GrpcWorkerHandler)
    handler.data_conn = channel
    manager = object.__new__(fn_runner.BundleManager)
    manager._worker_handler = handler
    return manager, channel


def test_an_input_larger_than_the_send_queue_goes_in_pieces_without_waiting_for_the_worker():
    """Sent before the process request, 240 MB would fill the runner's two 100 MB send queues and wait
    forever for a worker that reads only once asked to process."""
    data_plane_fix.stream_stage_inputs()
    manager, channel = _grpc_bundle_manager()
    piece = b"y" * (data_plane._DEFAULT_SIZE_FLUSH_THRESHOLD + 1)
    sender = threading.Thread(target=manager._send_input_to_worker, args=("bundle_1", "read", [piece] * 24))
    sender.start()
    sender.join(timeout=30)
    assert not sender.is_alive()
    sizes = []
    for elements in channel._write_outputs():
        sizes += [len(data.data) for data in elements.data]
        if elements.data and elements.data[-1].is_last:
            break
    assert sizes == [len(piece)] * 24 + [0]


def test_every_element_of_a_large_stage_input_reaches_a_single_worker():
    """500 MB through one worker process, next to a side input, as GroupCopies reads its members; 50 MB of
    it grouped, which reaches the worker in pieces."""
    code = textwrap.dedent("""
        import apache_beam as beam
        from apache_beam.options.pipeline_options import PipelineOptions
        from apache_beam.testing.util import assert_that, equal_to
        from newsdedup.pipeline.data_plane_fix import stream_stage_inputs

        stream_stage_inputs()
        options = PipelineOptions(["--runner=DirectRunner", "--direct_running_mode=multi_processing",
                                   "--direct_num_workers=1"])
        with beam.Pipeline(options=options) as p:
            big = (p | beam.Create(range(100)) | beam.Reshuffle()
                   | beam.FlatMap(lambda seed: ((seed * 5000 + j, b"x" * 1000) for j in range(5000))))
            total = big | "Total" >> beam.combiners.Count.Globally()
            read = big | "Read" >> beam.Map(lambda kv, n: kv[0], n=beam.pvalue.AsSingleton(total))
            assert_that(read | beam.combiners.Count.Globally(), equal_to([100 * 5000]))
            grouped = (big | "Key" >> beam.Map(lambda kv: (kv[0] % 1000, kv[1][:100])) | beam.GroupByKey()
                       | beam.MapTuple(lambda key, values: (len(values), sum(map(len, values)))))
            assert_that(grouped | "Sizes" >> beam.combiners.Count.PerElement(), equal_to([((500, 50_000), 1000)]),
                        label="Grouped")
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["ok"]


def _grouping_buffer(keys: int, values_per_key: int):
    """Grouped input as FnApiRunner buffers it for a GroupByKey in the global window."""
    pre = coders.WindowedValueCoder(coders.TupleCoder([coders.VarIntCoder(), coders.BytesCoder()]),
                                    coders.coders.GlobalWindowCoder())
    post = coders.WindowedValueCoder(coders.TupleCoder([coders.VarIntCoder(), coders.IterableCoder(coders.BytesCoder())]),
                                     coders.coders.GlobalWindowCoder())
    buffer = execution.GroupingBuffer(pre, post, core.Windowing(window.GlobalWindows()))
    elements = [window.GlobalWindows.windowed_value((i % keys, b"v%d" % i)) for i in range(keys * values_per_key)]
    buffer.append(b"".join(pre.get_impl().encode_nested(element) for element in elements))
    return buffer, post


def test_grouped_input_goes_to_each_worker_in_pieces_with_every_group_whole(monkeypatch):
    """Beam encodes a worker's share of a GroupByKey as one message, which gRPC caps at 2 GB."""
    data_plane_fix.stream_stage_inputs()
    monkeypatch.setattr(data_plane_fix, "PIECE", 200)
    buffer, post = _grouping_buffer(keys=100, values_per_key=3)
    parts = buffer.partition(2)
    assert [len(part) for part in parts] == [8, 8]
    assert not buffer._table
    groups = {}
    for worker, part in enumerate(parts):
        for piece in part:
            stream = create_InputStream(piece)
            while stream.size():
                key, values = post.get_impl().decode_from_stream(stream, True).value
                assert key % 2 == worker
                groups[key] = list(values)
    assert groups == {key: [b"v%d" % (key + 100 * j) for j in range(3)] for key in range(100)}
    assert buffer.partition(2) is parts


def test_a_piece_over_the_message_limit_fails_the_run_with_what_to_do(tmp_path, capsys, monkeypatch, model_name):
    monkeypatch.setattr(data_plane_fix, "MAX_PIECE", 1000)
    out = tmp_path / "out"
    assert main(["run", "--input", str(SEEDS), "--output", str(out), "--set", f"stories.model={model_name}"]) != 0
    err = capsys.readouterr().err
    assert "OversizedInput: a piece of a stage input (one key's group, if grouped) is" in err
    assert "over gRPC's message limit (1,000) for one worker" in err
    assert "Raise output.shards" in err
    assert "run on a distributed runner (configs/)" in err
    assert not (out / "manifest.json").exists()


def test_other_failures_get_the_log_without_a_hint(tmp_path):
    log = tmp_path / "run.log"
    log.write_text("ValueError: bad\n")
    assert failure_report(ValueError("bad"), log) == (
        f"the pipeline failed: ValueError: bad\n--- last lines of {log} ---\nValueError: bad")


"""Stop DirectRunner from silently dropping elements of large stage inputs.

FnApiRunner writes a stage's whole buffered input to an SDK worker, then
asks the worker to process it. Its gRPC data plane wraps that write in a
``TimeBasedBufferingClosableOutputStream`` (``worker_handlers`` fixes the
flush period at 1 s), whose flush thread hands the buffer on and then clears
it while ``write`` goes on unlocked: whatever the runner writes in between is
lost, with no error. The bigger the input, the slower the hand-over and the
bigger the loss: with Beam 2.77.0, ``benchmarks/directrunner_loss.py 100
10000 2000`` read back 588,253 of 1,000,000 elements.

Locking ``write`` is not enough: the pieces then all arrive, but the worker
queues only a few of them before it is asked to process, so large inputs
deadlock (2 GB to one worker did). Without the timer the runner sends each
input as one message, as its in-memory mode does, and every element arrives.
The cost is gRPC's 2 GB message limit per stage input and worker.
"""

from __future__ import annotations

from apache_beam.runners.portability.fn_api_runner import worker_handlers


def send_stage_inputs_whole() -> None:
    """No flush timer on the runner's side of the data plane; affects servers started afterwards."""
    worker_handlers.DATA_BUFFER_TIME_LIMIT_MS = 0

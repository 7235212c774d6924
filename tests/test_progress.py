import logging

from newsdedup import progress


def test_report_batches_into_parseable_lines(caplog):
    with caplog.at_level(logging.INFO, logger="newsdedup.progress"):
        progress.report("records_read", 5, force=True)
        progress.report("records_read", 2)
        progress.report("stories", 1)
        progress.flush()
    lines = [r.getMessage() for r in caplog.records if r.name == "newsdedup.progress"]
    assert [progress.parse(f"INFO:newsdedup.progress:{line}") for line in lines] == [
        {"records_read": 5}, {"records_read": 2, "stories": 1}]
    assert progress.parse("INFO:other:records_read=5") is None


def test_monitor_sums_lines_from_several_workers(tmp_path):
    log = tmp_path / "run.log"
    seen = []
    monitor = progress.Monitor(log, lambda totals: seen.append(dict(totals)), interval=0.05)
    monitor.start()
    log.write_text("INFO:newsdedup.progress:records_read=3\nnoise\nINFO:newsdedup.progress:records_read=4 stories=1\n")
    monitor.stop()  # reads what the log holds before it returns: no need to wait for a poll
    assert seen[-1] == {"records_read": 7, "stories": 1}

"""User mistakes: one clear line, a non-zero exit, no traceback."""

import pytest

from newsdedup.pipeline.cli import main

from conftest import SEEDS


def _error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("newsdedup: error: ") and "\n" not in err
    return err


def test_missing_input(capsys, tmp_path):
    assert "matches no file" in _error(capsys, ["run", "--input", str(tmp_path / "none.jsonl"), "--output", str(tmp_path / "o")])


def test_glob_matching_nothing(capsys, tmp_path):
    assert "matches no file" in _error(capsys, ["run", "--input", str(tmp_path / "*.jsonl"), "--output", str(tmp_path / "o")])


def test_unknown_format(capsys, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert "unknown input format" in _error(capsys, ["run", "--input", str(notes), "--output", str(tmp_path / "o")])


def test_unknown_config_key(capsys, tmp_path):
    err = _error(capsys, ["run", "--input", str(SEEDS), "--output", str(tmp_path / "o"), "--set", "stories.treshold=1"])
    assert "did you mean 'stories.threshold'" in err


def test_bad_config_file(capsys, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("copies: [1, 2\n")
    assert "not valid YAML" in _error(capsys, ["run", "--input", str(SEEDS), "--output", str(tmp_path / "o"), "--config", str(config)])


def test_missing_model_path(capsys, tmp_path):
    err = _error(capsys, ["run", "--input", str(SEEDS), "--output", str(tmp_path / "o"), "--set", f"stories.model={tmp_path}/nope"])
    assert "does not exist" in err


def test_output_holding_a_run_needs_overwrite(capsys, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    assert "--overwrite" in _error(capsys, ["run", "--input", str(SEEDS), "--output", str(out)])


def test_unwritable_output(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert "cannot write output" in _error(capsys, ["run", "--input", str(SEEDS), "--output", str(blocker / "out")])


def test_multi_threading_refused(capsys, tmp_path):
    err = _error(capsys, ["run", "--input", str(SEEDS), "--output", str(tmp_path / "o"), "--direct_running_mode=multi_threading"])
    assert "multi_threading is refused" in err


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="matches no file"):
        main(["run", "--debug", "--input", str(tmp_path / "none.jsonl"), "--output", str(tmp_path / "o")])


def test_eval_needs_a_run(capsys, tmp_path):
    assert "holds no run" in _error(capsys, ["eval", "--gold", str(SEEDS), "--output", str(tmp_path)])


def test_eval_needs_gold_labels(capsys, tmp_path):
    (tmp_path / "articles").mkdir()
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a"}\n')
    assert "needs 'id' and 'gold_cluster'" in _error(capsys, ["eval", "--gold", str(gold), "--output", str(tmp_path)])


@pytest.mark.parametrize("typo, nearest", [
    (["--outptu", "x"], "--output"),
    (["--direct_num_worker=1"], "--direct_num_workers"),
    (["--runer", "DirectRunner"], "--runner"),
])
def test_unknown_option_names_the_nearest(capsys, tmp_path, typo, nearest):
    """Beam would drop these with a log line and run with its defaults."""
    err = _error(capsys, ["run", "--input", str(SEEDS), "--output", str(tmp_path / "o"), *typo])
    assert err == f"newsdedup: error: unknown option {typo[0].split('=')[0]}; did you mean {nearest}?"
    assert not (tmp_path / "o").exists()


def test_misspelt_required_option_is_named_before_it_is_missed(capsys):
    err = _error(capsys, ["run", "--input", str(SEEDS), "--outptu", "x"])
    assert err == "newsdedup: error: unknown option --outptu; did you mean --output?"


def test_option_far_from_any_and_stray_argument(capsys, tmp_path):
    run = ["run", "--input", str(SEEDS), "--output", str(tmp_path / "o")]
    assert "unknown option --frobnicate: not an option of newsdedup or of Apache Beam" in _error(capsys, run + ["--frobnicate"])
    assert "unexpected argument 'stray'" in _error(capsys, run + ["stray"])
    assert "invalid int value: 'two'" in _error(capsys, run + ["--direct_num_workers=two"])


def test_report_and_eval_options_are_checked_too(capsys, tmp_path):
    assert "unknown option --tpo; did you mean --top?" in _error(capsys, ["report", str(tmp_path), "--tpo", "3"])
    assert "did you mean --json?" in _error(capsys, ["eval", "--gold", "g", "--output", str(tmp_path), "--jsno"])


def test_valid_beam_flags_reach_beam(capsys, tmp_path):
    """Every one is a real Beam option (runner, worker count, a Dataflow flag, a space-separated value):
    the run goes on to Beam's options, where the last one is refused by newsdedup's own rule."""
    err = _error(capsys, ["run", "--input", str(SEEDS), "--output", str(tmp_path / "o"), "--runner=DirectRunner",
                          "--direct_num_workers=1", "--project=p", "--job_name", "j",
                          "--direct_running_mode=multi_threading"])
    assert "multi_threading is refused" in err


def test_valid_beam_flags_set_the_options():
    from apache_beam.options.pipeline_options import DirectOptions, GoogleCloudOptions

    from newsdedup.pipeline.config import RunnerConfig
    from newsdedup.pipeline.options import beam_option_parser, pipeline_options

    flags = ["--direct_num_workers=1", "--project=p", "--runner", "DirectRunner"]
    _, left = beam_option_parser().parse_known_args(flags)
    options = pipeline_options(RunnerConfig(), flags)
    assert left == [] and options.view_as(DirectOptions).direct_num_workers == 1
    assert options.view_as(GoogleCloudOptions).project == "p"

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

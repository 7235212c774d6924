from pathlib import Path

import pytest

from newsdedup.pipeline.config import Config, ConfigError, load_config
from newsdedup.pipeline.options import pipeline_options

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def test_local_yaml_spells_out_the_defaults():
    assert load_config(CONFIGS / "local.yaml") == Config()


def test_overrides_from_the_command_line():
    config = load_config(CONFIGS / "local.yaml", ["copies.threshold=0.5", "stories.lifetime_days=null",
                                                  "runner.options.direct_num_workers=1"])
    assert config.copies.threshold == 0.5
    assert config.stories.lifetime_days is None and config.stories.lifetime().horizon is None
    assert config.runner.options == {"direct_running_mode": "multi_processing", "direct_num_workers": 1}


def test_unknown_key_suggests_the_nearest():
    with pytest.raises(ConfigError, match=r"unknown config key 'copies.treshold'; did you mean 'copies.threshold'\?"):
        load_config(None, ["copies.treshold=0.5"])


@pytest.mark.parametrize("override,message", [
    ("copies.threshold=1.5", "copies.threshold must be in"),
    ("copies.num_perm=abc", "copies.num_perm must be int"),
    ("copies.shingle_kind=line", "shingle_kind must be 'word' or 'char'"),
    ("stories=3", "stories must be a mapping"),
    ("stories.time_scale_days=0", r"stories.time_scale_days must be in \(0.0, 1000000\]"),
    ("stories.threads=-1", "stories.threads must be in"),
    ("stories.max_links=0", r"stories.max_links must be in \[1, 1000000\], got 0"),
    ("stories.backend=gpu", "stories.backend must be one of 'torch', 'onnx', 'onnx-int8', got 'gpu'"),
    ("copies.threshold", "--set expects KEY=VALUE"),
])
def test_bad_values_are_named(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, [override])


def test_multi_threading_is_refused():
    config = load_config(None, ["runner.options.direct_running_mode=multi_threading"])
    with pytest.raises(ConfigError, match="multi_threading is refused"):
        pipeline_options(config.runner, [])


def test_runner_is_named_explicitly_and_workers_default_to_cores(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 7)
    options = pipeline_options(Config().runner, []).get_all_options()
    assert options["runner"] == "DirectRunner"
    assert options["direct_running_mode"] == "multi_processing"
    assert options["direct_num_workers"] == 7
    assert pipeline_options(Config().runner, ["--direct_num_workers=1"]).get_all_options()["direct_num_workers"] == 1


def test_direct_runner_defaults_stay_with_the_direct_runner():
    assert load_config(None, ["runner.name=PortableRunner"]).runner.options == {}
    config = load_config(None, ["runner.options.parallelism=4", "runner.name=FlinkRunner"])
    assert config.runner.options == {"parallelism": 4}
    assert "direct_num_workers" not in pipeline_options(config.runner, []).get_all_options(drop_default=True)


def test_story_lifetime_in_seconds():
    lifetime = load_config(None, ["stories.lifetime_days=2", "stories.time_scale_days=1"]).stories.lifetime()
    assert (lifetime.horizon, lifetime.scale) == (2 * 86400.0, 86400.0)


def test_scheduled_yaml_is_the_default_config_it_says_it_is():
    assert load_config(CONFIGS / "scheduled.yaml") == Config()


def test_the_state_horizon_must_be_positive():
    with pytest.raises(ConfigError, match=r"state.horizon_days must be in \(0.0, 100000\]"):
        load_config(None, ["state.horizon_days=0"])

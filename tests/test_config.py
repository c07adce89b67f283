"""Threshold overrides with --config: bad keys and values are named; good ones change behaviour."""
import json

import pytest

from conftest import run_cli
from formcheck.errors import UsageError
from formcheck.exercises import load_spec
from formcheck.exercises.spec import EXERCISES


def test_every_builtin_spec_loads():
    for name in EXERCISES:
        spec = load_spec(name)
        assert spec.positions and spec.sequences


def test_unknown_threshold_is_named(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[thresholds]\nmax_lfit_deg = 20\n")
    with pytest.raises(UsageError, match="max_lfit_deg"):
        load_spec("superman", cfg)


def test_bad_value_is_named(tmp_path, superman_run):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[thresholds]\nmax_lift_deg = "high"\n')
    _, out, _ = superman_run
    r = run_cli("replay", out / "s.fclog", "--exercise", "superman", "--config", cfg)
    assert r.returncode == 2
    assert "max_lift_deg" in r.stderr and "\n" not in r.stderr.strip()


def test_broken_toml_is_one_line(tmp_path, superman_run):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[thresholds\n")
    _, out, _ = superman_run
    r = run_cli("replay", out / "s.fclog", "--exercise", "superman", "--config", cfg)
    assert r.returncode == 2 and "not valid TOML" in r.stderr and "Traceback" not in r.stderr


def test_override_changes_what_the_user_is_told(tmp_path, superman_run):
    """The sample superman lifts ~15 deg: with max_lift_deg lowered to 5 it is warned about."""
    _, out, _ = superman_run
    cfg = tmp_path / "strict.toml"
    cfg.write_text("[thresholds]\nmax_lift_deg = 5\n[common]\nwarning_repeat_s = 1\n")
    r = run_cli("replay", out / "s.fclog", "--exercise", "superman", "--config", cfg, "--report", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    codes = [w["code"] for w in json.loads((tmp_path / "r.json").read_text())["warnings"]]
    assert codes.count("lift_too_high") >= 3
    plain = json.loads((out / "report.json").read_text())
    assert "lift_too_high" not in [w["code"] for w in plain["warnings"]]

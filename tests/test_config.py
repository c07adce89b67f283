"""Threshold overrides with --config: bad keys and values are named; good ones change behaviour."""
import json
import os

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


@pytest.mark.parametrize("text, said", [
    ("[thresholds]\ntop_min_deg = nan\n", "expected a finite number, got nan"),   # would never fire
    ("[thresholds]\ntop_min_deg = inf\n", "expected a finite number, got inf"),
    ("thresholds = 5\n", "[thresholds] must be a table"),
    ("[[thresholds]]\ntop_min_deg = 9\n", "[thresholds] must be a table"),
    ("[thresholds]\ntop_min_deg = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ('[thresholds]\nx = "' + "A" * 100_000 + '"\n', "unknown threshold"),
])
def test_bad_config_values_are_one_short_line(tmp_path, text, said):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(UsageError) as err:
        load_spec("superman", cfg)
    assert said in str(err.value) and len(str(err.value)) < 400 and "\n" not in str(err.value)


def test_a_config_that_is_not_a_utf8_regular_file_is_refused_at_once(tmp_path):
    latin = tmp_path / "latin.toml"
    latin.write_bytes("# épaule\n[thresholds]\ntop_min_deg = 9\n".encode("latin-1"))
    with pytest.raises(UsageError, match="not UTF-8"):
        load_spec("superman", latin)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)   # nobody writes to it: reading it would wait forever
    for path in (fifo, "/dev/zero"):
        r = run_cli("replay", "missing.fclog", "-e", "superman", "--config", path, timeout=30)
        assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr


def test_one_exercises_thresholds_in_a_routine_config(tmp_path):
    """[superman.thresholds] sets superman's threshold only; the routine's other exercises load
    with their own. A plain [thresholds] key another exercise lacks names the way to do it."""
    from formcheck.routine import plan_from

    cfg = tmp_path / "c.toml"
    cfg.write_text("[superman.thresholds]\ntop_min_deg = 14\n[thresholds]\n")
    assert load_spec("superman", cfg).thresholds["top_min_deg"] == 14
    assert load_spec("superman").thresholds["top_min_deg"] != 14
    assert [p.exercise for p in plan_from(None, config=cfg)][3] == "superman"   # every exercise loads
    plain = tmp_path / "plain.toml"
    plain.write_text("[thresholds]\ntop_min_deg = 14\n")
    with pytest.raises(UsageError, match=r"unknown threshold for bird-dog .*\[NAME.thresholds\]"):
        plan_from(None, config=plain)
    bad = tmp_path / "bad.toml"
    bad.write_text("[superman.thresholds]\nno_such = 1\n")
    with pytest.raises(UsageError, match="superman.thresholds.no_such: unknown threshold for superman"):
        load_spec("superman", bad)

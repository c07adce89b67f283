"""Batches beyond one process (issue 15): a Dask cluster gives the same reports as one process,
a worker that dies costs only its file, a killed batch goes on where it stopped, landmark logs
are rescored without a model, and inputs and outputs may be fsspec URLs.

The clips are the first 2 s of three samples, so that each batch costs seconds."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import first_seconds, run_cli

distributed = pytest.importorskip("distributed")   # the test extra installs it; this names what is missing
psutil = pytest.importorskip("psutil")

CLIPS = {"superman_good": "superman", "bird-dog_good": "bird-dog", "cat-cow_good": "cat-cow"}
QUIET_DASK = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",   # a death reaches formcheck, which retries
              "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}


def reports(folder: Path) -> dict:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.json"))}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    for name, exercise in CLIPS.items():
        first_seconds(name, 2.0, d / f"{name}.mp4")
        (d / f"{name}.json").write_text(json.dumps({"exercise": exercise}))   # each label names its exercise
    return d


@pytest.fixture(scope="module")
def reference(clips, tmp_path_factory):
    """The batch in this process (--jobs 1), keeping the landmark logs."""
    base = tmp_path_factory.mktemp("reference")
    r = run_cli("score", clips, "--jobs", 1, "--out", base / "out", "--logs", base / "logs")
    assert r.returncode == 0, r.stderr
    found = reports(base / "out")
    assert len(found) == 3 and all('"provenance"' in text for text in found.values())
    return base, found


def test_local_cluster_gives_the_reports_of_one_process(clips, reference, tmp_path):
    r = run_cli("score", clips, "--cluster", "local", "--jobs", 2, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert reports(tmp_path) == reference[1]
    assert r.stderr == ""   # nothing of Dask's own logging reaches the terminal


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A `dask scheduler` and a `dask worker` (two processes of one thread) on 127.0.0.1, as a
    clinic would start them on its machines; torn down afterwards."""
    d = tmp_path_factory.mktemp("dask")
    env = {**os.environ, **QUIET_DASK}
    exe = Path(sys.executable).parent / "dask"
    procs = [subprocess.Popen([str(exe), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(d / "s.json")], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        deadline = time.time() + 60
        while not (d / "s.json").exists() and time.time() < deadline:
            time.sleep(0.1)
        address = json.loads((d / "s.json").read_text())["address"]
        procs.append(subprocess.Popen([str(exe), "worker", address, "--nworkers", "2", "--nthreads", "1",
                                       "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        client = distributed.Client(address, timeout="30s")
        client.wait_for_workers(2, timeout=120)
        yield address, client
        client.close()
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def test_a_running_scheduler_gives_the_reports_of_one_process(clips, reference, scheduler, tmp_path):
    r = run_cli("score", clips, "--scheduler", scheduler[0], "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert reports(tmp_path) == reference[1]


def test_a_worker_killed_mid_batch_costs_nothing(clips, reference, scheduler, tmp_path):
    address, client = scheduler
    proc = subprocess.Popen([*_cli(), "score", str(clips), "--scheduler", address, "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    killed = None
    while killed is None and time.time() < deadline and proc.poll() is None:
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            time.sleep(0.5)   # into its file's pose inference
            os.kill(pid, signal.SIGKILL)
            killed = pid
        time.sleep(0.05)
    out, err = proc.communicate(timeout=300)
    assert killed, "no worker was seen working"
    assert proc.returncode == 0, err
    # the file it was scoring (and any the scheduler had queued on it) went to the other worker
    assert re.search(r"formcheck: \d files? tried again after (its|their) worker died", err), err
    assert reports(tmp_path) == reference[1]
    client.wait_for_workers(2, timeout=120)   # the nanny restarted it, for the tests after this one


def _busy_pool_workers(pid: int) -> list:
    """The pool's worker processes under `pid` that are past start-up (1.5 s of CPU). A child may
    end (or be a zombie for a moment) while it is looked at: it is then not one."""
    busy = []
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:   # the batch itself has ended
        return busy
    for k in children:
        try:
            if "spawn_main" in " ".join(k.cmdline()) and k.cpu_times().user > 1.5:
                busy.append(k)
        except psutil.Error:
            continue
    return busy


def test_a_worker_process_killed_in_the_pool_costs_nothing(clips, reference, tmp_path):
    """The default process pool (no Dask): a killed worker used to end the batch with a
    BrokenProcessPool traceback and lose every finished report."""
    proc = subprocess.Popen([*_cli(), "score", str(clips), "--jobs", "2", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        workers = _busy_pool_workers(proc.pid)
        if len(workers) == 2:   # both past start-up, scoring
            workers[0].kill()
            break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert re.search(r"formcheck: \d files? tried again after (its|their) worker died", err), err
    assert "Traceback" not in err
    assert reports(tmp_path) == reference[1]


def test_a_killed_batch_goes_on_where_it_stopped(clips, reference, tmp_path):
    proc = subprocess.Popen([*_cli(), "score", str(clips), "--jobs", "1", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not list(tmp_path.glob("*.json")) and time.time() < deadline:
        time.sleep(0.05)
    proc.terminate()   # SIGTERM, as a shutdown or a job queue's time limit sends
    out, err = proc.communicate(timeout=60)
    first = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    assert 1 <= len(first) < 3 and proc.returncode == 130
    assert f"stopped: {len(first)} of 3 files scored; their reports are in {tmp_path}; the same command goes on" in err
    r = run_cli("score", clips, "--jobs", 1, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"{len(first)} of 3 files already scored with the same input, model and settings: skipped" in r.stderr
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in first} == first   # not written again
    assert reports(tmp_path) == reference[1]
    assert not list(tmp_path.glob("*.tmp"))


def test_rescore_scores_the_kept_logs_and_a_changed_threshold_rescoring_all(reference, tmp_path):
    base, want = reference
    r = run_cli("rescore", base / "logs", "-e", "superman", "--out", tmp_path, "--jobs", 1)
    assert r.returncode == 0, r.stderr
    got = {Path(json.loads(t)["source"]).name: json.loads(t) for t in reports(tmp_path).values()}
    ref = json.loads(want["superman_good.json"])
    mine = got["superman_good.mp4"]
    assert {k for k in ref if ref[k] != mine[k]} == {"provenance"}   # the same session, read from its log
    assert mine["provenance"]["model_sha256"] == ref["provenance"]["model_sha256"]
    again = run_cli("rescore", base / "logs", "-e", "superman", "--out", tmp_path, "--jobs", 1)
    assert "3 of 3 files already scored" in again.stderr
    config = tmp_path / "stricter.toml"
    config.write_text("[thresholds]\ntop_min_deg = 14\n")
    changed = run_cli("rescore", base / "logs", "-e", "superman", "--out", tmp_path, "--config", config, "--jobs", 1)
    assert changed.returncode == 0 and "already scored" not in changed.stderr


def test_fsspec_urls_in_and_out(clips, reference, tmp_path):
    """A folder given as a file:// URL, and an in-memory file system (what s3:// would be)."""
    import fsspec

    from formcheck.batch.score import main_score

    one = tmp_path / "in"
    one.mkdir()
    for suffix in (".mp4", ".json"):
        (one / f"superman_good{suffix}").write_bytes((clips / f"superman_good{suffix}").read_bytes())
    want = json.loads(reference[1]["superman_good.json"])
    assert main_score(f"file://{one}", None, 1, f"file://{tmp_path}/out", None, None, quiet=True) == 0
    got = json.loads((tmp_path / "out" / "superman_good.json").read_text())
    assert got == {**want, "source": str(one / "superman_good.mp4")}

    mem = fsspec.filesystem("memory")
    for suffix in (".mp4", ".json"):
        mem.pipe_file(f"/clinic/superman_good{suffix}", (clips / f"superman_good{suffix}").read_bytes())
    assert main_score("memory://clinic", None, 1, "memory://scored", None, None, quiet=True) == 0
    got = json.loads(mem.cat_file("/scored/superman_good.json"))
    assert got == {**want, "source": "memory:///clinic/superman_good.mp4"}


@pytest.mark.parametrize("user_proxy", [None, "http://proxy.clinic.example:3128"])
def test_object_storage_keeps_the_users_proxy_after_the_model_loads(monkeypatch, user_proxy):
    """Loading the model points https_proxy nowhere (MediaPipe's analytics, formcheck.native);
    an s3:// batch in that process still reaches its storage through the user's own proxy, or
    directly when there is none (botocore would otherwise read the dead proxy)."""
    from fsspec.implementations.memory import MemoryFileSystem

    from formcheck import native
    from formcheck.batch import storage

    seen = []

    class FakeS3(MemoryFileSystem):   # s3fs's constructor takes botocore's Config as config_kwargs
        protocol = ("s3", "s3a")

        def __init__(self, config_kwargs=None, **kwargs):
            seen.append(config_kwargs)
            super().__init__(**kwargs)

        @classmethod
        def _strip_protocol(cls, path):
            return "/" + str(path).split("://", 1)[-1].strip("/")

    monkeypatch.setitem(sys.modules["fsspec.registry"]._registry, "s3", FakeS3)
    for key in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(key, raising=False)
    if user_proxy:
        monkeypatch.setenv("HTTPS_PROXY", user_proxy)
    monkeypatch.setattr(native, "USER_PROXY_ENV", {})
    native.no_native_analytics()   # what creating a landmarker does
    assert os.environ["https_proxy"] == native.NO_PROXY_VALUE
    FakeS3.clear_instance_cache()
    FakeS3().pipe_file(f"/proxied-{bool(user_proxy)}/a.mp4", b"x")
    found = storage.list_folder(f"s3://proxied-{bool(user_proxy)}", (".mp4",))
    assert [storage.name_of(f) for f in found] == ["a.mp4"]
    assert seen[-1] == {"proxies": {"https": user_proxy} if user_proxy else {}}


def test_a_full_temporary_folder_costs_only_the_files_that_do_not_fit(tmp_path):
    """TMPDIR full during `score` (each file's landmark log is written there first): the file
    whose log does not fit is one row with the reason, the other is scored, exit 1. The full
    disk is a 256 KB tmpfs in a mount namespace of the test's own (unshare), where permitted."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    folder = tmp_path / "in"
    folder.mkdir()
    for name, seconds in (("short", 2.0), ("long", 12.0)):   # logs of ~0.1 and ~0.6 MB
        first_seconds("superman_good", seconds, folder / f"{name}.mp4")
        (folder / f"{name}.json").write_text(json.dumps({"exercise": "superman"}))
    small = tmp_path / "small"
    small.mkdir()
    script = f'mount -t tmpfs -o size=256k tmpfs "{small}" && TMPDIR="{small}" exec "$@"'
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", *_cli(), "score", str(folder), "--jobs", "1",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    row = [line for line in (r.stdout + r.stderr).splitlines() if "long" in line]
    assert row and "cannot write the landmark log" in row[0] and "No space left on device" in row[0], r.stdout + r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["short.json"]
    assert json.loads((tmp_path / "out" / "short.json").read_text())["frames"] == 30


def test_without_the_cluster_extra_one_line(clips, tmp_path):
    fake = tmp_path / "site"
    (fake / "distributed").mkdir(parents=True)
    (fake / "distributed" / "__init__.py").write_text("raise ImportError('No module named distributed')\n")
    r = run_cli("score", clips, "--cluster", "local", env={"PYTHONPATH": f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})
    assert r.returncode == 1
    assert r.stderr.strip() == "formcheck: a Dask cluster needs the cluster extra: pip install -e '.[cluster]'"


def _cli():
    import shutil
    exe = shutil.which("formcheck")
    return [exe] if exe else [sys.executable, "-m", "formcheck"]

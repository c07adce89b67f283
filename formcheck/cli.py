"""Command line. Exit codes: 0 ok, 1 runtime failure, 2 usage error (README "Exit codes")."""
from __future__ import annotations

import argparse
import os
import sys

from formcheck.errors import EXIT_OK, EXIT_USAGE, FormcheckError

# The exercise names, read when a parser is built: importing the engine takes ~0.6 s (numpy), and
# until main() runs, a Ctrl-C would be Python's traceback rather than formcheck's one line.
def _exercises():
    from formcheck.exercises.spec import EXERCISES
    return EXERCISES


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's default prints the whole usage)
        print(f"formcheck: {printable(message)} (see formcheck --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _exercise_arg(value: str) -> str:
    if value not in _exercises():
        raise argparse.ArgumentTypeError(f"unknown exercise '{value}'; choose one of: {', '.join(_exercises())}")
    return value


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return int(value)


def _camera_arg(value: str):
    if value.isdigit():
        if len(value) > 4:   # OpenCV raises on indices past a C int; no machine has 10,000 cameras
            raise argparse.ArgumentTypeError(f"no camera has the index {value}")
        return int(value)
    return value


def _add_scoring(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--exercise", "-e", type=_exercise_arg, required=required, metavar="NAME",
                   help="one of: " + ", ".join(_exercises()))
    p.add_argument("--report", metavar="OUT", action="append",
                   help="write the session report: OUT.json (data) or OUT.html (plots, thumbnails); repeatable")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding thresholds (README 'Thresholds')")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def add_session_outputs(p: argparse.ArgumentParser) -> None:
    """The options a session and a routine share: window, saved video, landmark log, model, voice, history."""
    p.add_argument("--headless", action="store_true", help="show no window")
    p.add_argument("--save-video", metavar="OUT.mp4", help="write the annotated frames to a video file "
                   "(.webm: VP8, plays in browsers, ~10 ms a frame; else H.264 where OpenCV has it, or MPEG-4 Part 2)")
    p.add_argument("--record", metavar="LOG", help="write the per-frame landmark log (replay it later)")
    p.add_argument("--overwrite", action="store_true", help="--record may replace an existing recording")
    p.add_argument("--model", metavar="PATH", help="a MediaPipe pose_landmarker .task (default: bundled full model)")
    p.add_argument("--mute", action="store_true", help="no spoken cues (live sessions speak when espeak-ng is installed)")
    p.add_argument("--no-history", action="store_true", help="do not store the session in the history")


def main_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="formcheck", description="Webcam form checker for a home back-exercise programme. "
                "Also: 'formcheck routine' runs the whole programme; 'formcheck history' shows past sessions; "
                "'formcheck replay LOG --exercise NAME' rescores a landmark log; "
                "'formcheck eval DIR' scores labelled clips; 'formcheck score DIR' scores videos in bulk; "
                "'formcheck rescore DIR' scores kept landmark logs.")
    _add_scoring(p, required=False)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--video", metavar="PATH", help="score a recorded video file")
    src.add_argument("--camera", type=_camera_arg, metavar="N",
                     help="camera index (default 0); a video path here is played in real time as a stand-in camera")
    add_session_outputs(p)
    p.add_argument("--list-exercises", action="store_true", help="list the exercises and exit")
    from formcheck import __version__
    p.add_argument("--version", action="version", version=f"formcheck {__version__}")
    return p


def history_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="formcheck history", description="Recent sessions, per-exercise trends and your streak.")
    p.add_argument("--limit", type=_positive_int, default=10, metavar="N", help="recent sessions to list (default 10)")
    p.add_argument("--import", dest="import_files", nargs="+", metavar="FILE",
                   help="add sessions saved to fallback files (session-….json) when the database could not be written")
    return p


def replay_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="formcheck replay", description="Rescore a landmark log without video or model.")
    p.add_argument("log", metavar="LOG")
    _add_scoring(p, required=True)
    return p


def eval_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="formcheck eval", description="Score every labelled clip (X.mp4 + X.json) in a folder; "
                "exit 1 if any differs from its label.")
    p.add_argument("folder")
    p.add_argument("--cache", metavar="DIR", help="landmark log cache (default $FORMCHECK_CACHE_DIR, else ~/.cache/formcheck/logs)")
    p.add_argument("--model", metavar="PATH")
    p.add_argument("--jobs", "-j", type=_positive_int, default=1, metavar="N", help="processes for pose inference (default 1)")
    p.add_argument("--augment", type=_augment_arg, metavar="NAME",
                   help="score the clips augmented: " + ", ".join(_augmentations()) + "; several joined by commas apply together")
    _add_cluster(p)
    p.add_argument("--quiet", "-q", action="store_true")
    return p


def _add_cluster(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--cluster", choices=["local"],
                       help="run on a local Dask cluster of --jobs worker processes (needs the cluster extra)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on a Dask cluster: a running 'dask scheduler', e.g. tcp://10.0.0.5:8786")


def _augmentations():
    from formcheck.sources.augment import AUGMENTATIONS
    return AUGMENTATIONS


def _augment_arg(value: str) -> str:
    from formcheck.errors import UsageError
    from formcheck.sources.augment import augmentation
    try:
        augmentation(value)
    except UsageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return value


def score_parser() -> argparse.ArgumentParser:
    from formcheck.batch import default_jobs
    p = _Parser(prog="formcheck score", description="Score every video file in a folder, N files at a time. "
                "The exercise comes from --exercise or each file's X.json label.")
    p.add_argument("folder")
    p.add_argument("--exercise", "-e", type=_exercise_arg, metavar="NAME", help="one of: " + ", ".join(_exercises()))
    p.add_argument("--jobs", "-j", type=_positive_int, default=default_jobs(), metavar="N",
                   help=f"processes (default {default_jobs()}: one per core, at most 4)")
    p.add_argument("--out", metavar="DIR", help="write a JSON report per file into DIR (a folder or an fsspec URL); "
                   "files already reported there with the same input, model and settings are skipped")
    p.add_argument("--logs", metavar="DIR", help="keep each video's landmark log in DIR, for 'formcheck rescore' "
                   "(a log already there is used instead of pose inference)")
    p.add_argument("--model", metavar="PATH")
    p.add_argument("--config", metavar="FILE")
    _add_cluster(p)
    p.add_argument("--quiet", "-q", action="store_true")
    return p


def rescore_parser() -> argparse.ArgumentParser:
    from formcheck.batch import default_jobs
    p = _Parser(prog="formcheck rescore", description="Score every landmark log (.fclog, e.g. kept by "
                "'formcheck score --logs') in a folder: no video and no model, ~1000x real time.")
    p.add_argument("folder")
    p.add_argument("--exercise", "-e", type=_exercise_arg, required=True, metavar="NAME",
                   help="one of: " + ", ".join(_exercises()))
    p.add_argument("--jobs", "-j", type=_positive_int, default=default_jobs(), metavar="N",
                   help=f"processes (default {default_jobs()})")
    p.add_argument("--out", metavar="DIR", help="write a JSON report per log into DIR (a folder or an fsspec URL)")
    p.add_argument("--config", metavar="FILE")
    _add_cluster(p)
    p.add_argument("--quiet", "-q", action="store_true")
    return p


def counted(n, word: str) -> str:
    """'1 rep', '2 reps', '0 reps'."""
    return f"{n:g} {word}" if n == 1 else f"{n:g} {word}s"


def print_summary(report: dict, target: dict | None = None) -> None:
    from formcheck.exercises import load_spec
    target = load_spec(report["exercise"]).target if target is None else target
    line = f"{report['exercise']}: {counted(report['reps'], 'rep')}"
    if report["reps_by_side"]:
        line += " (left {left}, right {right}".format(**report["reps_by_side"])
        line += f"; target {target['reps_per_side']:g} per side)" if "reps_per_side" in target else ")"
    elif "reps" in target:
        line += f" (target {target['reps']:g})"
    good = sum(h["seconds"] for h in report["holds"])
    if report["holds"]:
        line += f", {counted(len(report['holds']), 'hold')} with {good:.1f} s of good form"
    line += f", {counted(len(report['warnings']), 'warning')}, person seen in {report['pose_detected_ratio']:.0%} of {report['frames']} frames"
    print(line)
    for w in report["warnings"]:
        print(f"  {w['t_s']:7.1f} s  {w['code']}: {w['message']}")
    if not report["reps"]:   # nothing counted: say what the set-up problem was, if there was one
        seen: dict = {}
        for g in report.get("guidance", []):
            if g["code"] not in ("rest", "more_people"):
                seen.setdefault(g["code"], [g["t_s"], g["message"], 0])[2] += 1
        for t_s, message, times in seen.values():
            print(f"  {t_s:7.1f} s  set-up: {message}" + (f" ({times} times)" if times > 1 else ""))


def printable(text: str) -> str:
    """`text` with control characters (newlines, ANSI escapes: in a path or a key they could
    print a line of their own, or a fake one) and undecodable bytes shown escaped, repr-style."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def interrupted_by(err: BaseException) -> bool:
    """Whether `err` was caused by a Ctrl-C (or a TERM or HUP, raised as one): a
    KeyboardInterrupt anywhere in its chain of causes."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def main(argv: list[str] | None = None) -> int:
    from formcheck.native import native_stderr_off_terminal
    native_stderr_off_terminal()
    from formcheck import interrupts
    interrupts.install()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _main(argv)
        sys.stdout.flush()   # a closed pipe shows here, not at exit
        return code
    except KeyboardInterrupt:   # before or after a session (during one, the session handles it)
        print("formcheck: stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:     # `formcheck history | head -4`: the reader has gone, nothing to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:
        # Python turns a KeyboardInterrupt raised inside some calls into another exception with
        # it as the cause: Ctrl-C during start-up landed in a class's __set_name__ while
        # mediapipe imported matplotlib, and came out as a RuntimeError and a traceback. Inside
        # numpy's own import it comes out as an ImportError that names no cause at all ("bad
        # install ... could not import module datetime"): an error after a Ctrl-C is its doing.
        if not (interrupted_by(err) or interrupts.requested()):
            raise
        print("formcheck: stopped", file=sys.stderr)
        return 130


def _main(argv: list[str]) -> int:
    try:
        if argv and argv[0] == "eval":
            args = eval_parser().parse_args(argv[1:])
            from formcheck.evaluate import main_eval
            return main_eval(args.folder, args.cache, args.model, args.quiet, args.jobs, args.augment,
                             args.cluster, args.scheduler)
        if argv and argv[0] == "score":
            args = score_parser().parse_args(argv[1:])
            from formcheck.batch.score import main_score
            return main_score(args.folder, args.exercise, args.jobs, args.out, args.model, args.config, args.quiet,
                              args.logs, args.cluster, args.scheduler)
        if argv and argv[0] == "rescore":
            args = rescore_parser().parse_args(argv[1:])
            from formcheck.batch.score import main_rescore
            return main_rescore(args.folder, args.exercise, args.jobs, args.out, args.config, args.quiet,
                                args.cluster, args.scheduler)
        if argv and argv[0] == "history":
            args = history_parser().parse_args(argv[1:])
            import datetime
            import sqlite3
            from formcheck.history import History, import_files, summary
            if args.import_files:
                added, known = import_files(args.import_files)
                print(f"{counted(added, 'session')} added" + (f", {known} already in the history" if known else ""))
                return EXIT_OK
            try:
                rows = History().rows()
            except (sqlite3.Error, OSError) as err:
                raise FormcheckError(f"cannot read the history database: {err}") from None
            print(summary(rows, datetime.datetime.now(), args.limit))
            return EXIT_OK
        if argv and argv[0] == "routine":
            from formcheck.routine import main_routine
            return main_routine(argv[1:])
        if argv and argv[0] == "replay":
            args = replay_parser().parse_args(argv[1:])
            from formcheck.pipeline import replay
            report = replay(args.log, args.exercise, args.report, args.config, quiet=args.quiet)
        else:
            args = main_parser().parse_args(argv)
            if args.list_exercises:
                from formcheck.exercises import load_spec
                for name in _exercises():
                    spec = load_spec(name)
                    print(f"{name:18s} {spec.summary}")
                return EXIT_OK
            if args.exercise is None:
                main_parser().error("--exercise is required")
            from formcheck.pipeline import RunOptions, run
            report = run(RunOptions(
                exercise=args.exercise, video=args.video, camera=args.camera, headless=args.headless,
                save_video=args.save_video, record=args.record, report=args.report, model=args.model,
                config=args.config, quiet=args.quiet, mute=args.mute, history=not args.no_history,
                overwrite=args.overwrite))
        if not args.quiet:
            print_summary(report)
        return EXIT_OK
    except FormcheckError as err:
        print(f"formcheck: {printable(err)}", file=sys.stderr)
        return err.exit_code

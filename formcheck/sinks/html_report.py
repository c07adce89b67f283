"""The HTML session report: one self-contained file (plots and thumbnails embedded as data: URIs).

Shows reps (per side) against the exercise's target, each hold's good-form seconds against its
target, every form warning with its time and, where video exists, a thumbnail of that frame, and
the key signals plus the spine curvature over time with reps, holds and warnings marked. Every
piece of text that came from outside (file names, messages, notes) is HTML-escaped.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import os
from dataclasses import dataclass, field

import numpy as np

from formcheck.sinks.report import write_report_text

SAFETY = ("Stop if anything hurts. formcheck is a practice aid, not medical advice; it sees a 2-D "
          "picture and can be wrong. With back pain or a back condition, ask a physiotherapist.")
UNITS = {"spine_curve": "torso lengths", "hip_line": "torso lengths", "head_height": "torso lengths",
         "back_height": "torso lengths"}
# What each plotted signal is, in words (the axis label; the raw name stays in the image's alt text)
LABELS = {"spine_curve": "back's curve", "hip_line": "hips off the shoulder-knee line", "head_height": "head height",
          "back_height": "back height", "diag_left": "left arm + right leg", "diag_right": "right arm + left leg",
          "trunk_incline": "trunk tilt", "trunk_pitch": "trunk forward", "thigh_incline": "thigh tilt",
          "elbow_angle": "elbow angle", "hip_angle": "hip angle", "lift": "lift", "neck_lift": "neck lift"}
MIN_SPAN = {"deg": 10.0, "torso lengths": 0.2}   # a near-flat signal is not stretched until noise looks like swings
GAP_S = 0.5   # a signal unmeasured for longer than this is drawn with a gap, not a straight line across it
SEVERITY_COLOR = {"info": "#1f77b4", "warning": "#e67e00", "danger": "#d62728"}


@dataclass
class Section:
    """One exercise of the report: its JSON report plus what only the HTML shows."""
    report: dict
    title: str
    target: dict
    hold_target_s: float
    names: tuple[str, ...] = ()
    t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    thumbnails: dict = field(default_factory=dict)   # (round(t, 3), code) -> JPEG bytes
    rep_times: list = field(default_factory=list)    # (t, side) of each counted rep


def section_from(session, report: dict, thumbnails: dict | None = None) -> Section:
    t, v = session.series_arrays()
    spec = session.spec
    return Section(report=report, title=spec.title, target=dict(spec.target),
                   hold_target_s=spec.hold_target_s, names=session.plot_names, t=t, values=v,
                   thumbnails=thumbnails or {}, rep_times=list(session.report.rep_times))


def thumbnail(image: np.ndarray, width: int = 240) -> bytes:
    import cv2
    h, w = image.shape[:2]
    small = cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buf.tobytes() if ok else b""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def plot_png(sec: Section) -> bytes | None:
    """The signals over time, one panel each, sharing the time axis; None if nothing was measured."""
    if not len(sec.t) or not sec.names:
        return None
    keep = [i for i, _ in enumerate(sec.names) if np.isfinite(sec.values[:, i]).any()]
    if not keep:
        return None
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 1.7 * len(keep) + 0.6), dpi=90, layout="constrained")
    axes = fig.subplots(len(keep), 1, sharex=True, squeeze=False)[:, 0]
    rep = sec.report
    for ax, i in zip(axes, keep):
        name = sec.names[i]
        y = sec.values[:, i]
        finite = np.isfinite(y)
        unit = UNITS.get(name, "deg")
        if finite.sum() < 0.5 * len(y) and name == "spine_curve":   # sampled: join the dots, not across gaps
            t, v = sec.t[finite], y[finite].astype(float)
            breaks = np.flatnonzero(np.diff(t) > GAP_S) + 1
            ax.plot(np.insert(t, breaks, np.nan), np.insert(v, breaks, np.nan), ".-", ms=2, lw=1, color="#444")
        else:
            ax.plot(sec.t, y, lw=1.2, color="#444")   # NaN (unmeasured) leaves a gap
        if finite.any():
            lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
            if hi - lo < MIN_SPAN.get(unit, 0.0):
                mid = (hi + lo) / 2
                ax.set_ylim(mid - MIN_SPAN[unit] / 2, mid + MIN_SPAN[unit] / 2)
        ax.set_ylabel(f"{LABELS.get(name, name.replace('_', ' '))}\n({unit})", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        for h in rep["holds"]:
            ax.axvspan(h["start_s"], h["end_s"], color="#2ca02c" if h["good_form"] else "#ff7f0e", alpha=0.15, lw=0)
        for w in rep["warnings"]:
            ax.axvline(w["t_s"], color=SEVERITY_COLOR.get(w["severity"], "red"), lw=1.2, ls="--")
    for n, (r_t, side) in enumerate(sec.rep_times, 1):
        for ax in axes:
            ax.axvline(r_t, color="#2ca02c", lw=1)
        axes[0].annotate(f"{n}{side[0].upper() if side else ''}", (r_t, 1.0), xycoords=("data", "axes fraction"), fontsize=8,
                         color="#2ca02c", ha="center", va="bottom")
    axes[-1].set_xlabel("time (s)   green: rep counted, shaded: hold, dashed: warning", fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _target_row(label: str, got, target) -> str:
    if target is None:
        return f"<tr><th>{_esc(label)}</th><td>{_esc(got)}</td><td>–</td><td></td></tr>"
    met = got >= target
    mark = '<span class="ok">✓ target met</span>' if met else f'<span class="short">{_esc(target - got)} to go</span>'
    return f"<tr><th>{_esc(label)}</th><td>{_esc(got)}</td><td>{_esc(int(target))}</td><td>{mark}</td></tr>"


def _section_html(sec: Section, n: int) -> str:
    r = sec.report
    out = [f'<section class="exercise" id="ex{n}"><h2>{_esc(sec.title)}</h2>',
           f'<p class="meta">{_esc(r["source"])} · {r["duration_s"]:.1f} s · {r["frames"]} frames · '
           f'person seen in {r["pose_detected_ratio"]:.0%} of frames</p>']
    out.append('<table class="summary"><tr><th></th><th>done</th><th>target</th><th></th></tr>')
    if r["reps_by_side"] is not None:
        per_side = sec.target.get("reps_per_side")
        for side, count in r["reps_by_side"].items():
            out.append(_target_row(f"reps, {side} leg", count, per_side))
    else:
        out.append(_target_row("reps", r["reps"], sec.target.get("reps")))
    out.append("</table>")
    if r["holds"]:
        target = sec.target.get("hold_s", sec.hold_target_s)
        aim = f"; target {target:g} s" if target > 0 else ""
        out.append(f'<h3>Holds <small>(seconds in good form{_esc(aim)})</small></h3>')
        out.append('<table class="holds"><tr><th>#</th><th>position</th><th>from</th><th>good form</th><th></th></tr>')
        for i, h in enumerate(r["holds"], 1):
            mark = ""
            if target > 0:
                mark = "<span class=ok>✓</span>" if h["seconds"] >= target - 0.05 else "<span class=short>short</span>"
            out.append(f'<tr class="hold"><td>{i}</td><td>{_esc(h.get("position", ""))}</td><td>{h["start_s"]:.1f} s</td>'
                       f'<td>{h["seconds"]:.1f} s</td><td>{mark}</td></tr>')
        out.append("</table>")
    out.append(f'<h3>Form warnings ({len(r["warnings"])})</h3>')
    if r["warnings"]:
        out.append('<table class="warnings"><tr><th>time</th><th>what</th><th>frame</th></tr>')
        for w in r["warnings"]:
            jpg = sec.thumbnails.get((round(w["t_s"], 3), w["code"]))
            img = (f'<img class="thumb" alt="frame at {w["t_s"]:.1f} s" src="{_data_uri("image/jpeg", jpg)}">'
                   if jpg else '<span class="nothumb">no video</span>')
            out.append(f'<tr class="warning sev-{_esc(w["severity"])}"><td>{w["t_s"]:.1f} s</td>'
                       f'<td><b>{_esc(w["message"])}</b><br><code>{_esc(w["code"])}</code> · {_esc(w["severity"])}</td>'
                       f'<td>{img}</td></tr>')
        out.append("</table>")
    else:
        out.append('<p class="clean">No form warnings.</p>')
    png = plot_png(sec)
    if png:
        out.append(f'<h3>Over time</h3><img class="plot" alt="{_esc(", ".join(sec.names))} over time" '
                   f'src="{_data_uri("image/png", png)}">')
    extra = [f'{g["t_s"]:.1f} s: {g["message"]}' for g in r.get("guidance", [])] + list(r.get("notes", []))
    if extra:
        out.append("<h3>Set-up and notes</h3><ul>" + "".join(f"<li>{_esc(x)}</li>" for x in extra) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


CSS = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:0}.meta{color:#666;margin-top:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.ok{color:#2ca02c;font-weight:bold}.short{color:#e67e00;font-weight:bold}
tr.sev-danger td:first-child{border-left:4px solid #d62728}tr.sev-warning td:first-child{border-left:4px solid #e67e00}
tr.sev-info td:first-child{border-left:4px solid #1f77b4}
img.thumb{width:240px;max-width:100%;height:auto;border:1px solid #ccc}img.plot{width:100%}.nothumb{color:#999}
section.exercise{border-top:2px solid #eee;margin-top:1.5em}.safety{background:#fff6e0;padding:.8em;border-radius:4px}
"""


def render_html(sections: list[Section], heading: str, created: _dt.datetime | None = None) -> str:
    created = created or _dt.datetime.now()
    body = [f"<h1>{_esc(heading)}</h1>", f'<p class="meta">{_esc(created.strftime("%Y-%m-%d %H:%M"))}</p>']
    if len(sections) > 1:
        body.append("<ul>" + "".join(f'<li><a href="#ex{i}">{_esc(s.title)}</a>: {s.report["reps"]} reps, '
                                     f'{len(s.report["warnings"])} warnings</li>' for i, s in enumerate(sections)) + "</ul>")
    body += [_section_html(s, i) for i, s in enumerate(sections)]
    body.append(f'<p class="safety">{_esc(SAFETY)}</p>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(heading)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_html_report(path: str | os.PathLike, sections: list[Section], heading: str) -> None:
    write_report_text(path, render_html(sections, heading))


def is_html(path) -> bool:
    return str(path).lower().endswith((".html", ".htm"))

"""The sync report as one PNG page for people: aperture vs loudness, eyes, head pose, numbers."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common.atomic import atomic_output


def summary_lines(report: dict) -> list[str]:
    """The page's headline numbers, one line each (a full report: its series tell a silent track from none)."""
    lines = [f"{report['frames']} frames, {report['duration_s']} s at {report['fps']:g} fps, "
             f"face found in {report['face_found_share']:.0%}"]
    if report["sync"]:
        s = report["sync"]
        lines.append(f"sync: lag {s['lag_ms']:+.0f} ms, confidence {s['confidence']:.2f} "
                     f"({s['confidence_ratio']:.1f}x the reversed-audio control {s['reversed_audio_confidence']:.2f})")
    else:
        lines.append("sync: none to measure, " + ("the sound track is silent" if _has_sound(report)
                                                   else "the video has no sound track"))
    if report["timeline"]:
        t = report["timeline"]
        lines.append(f"lips closed on {t['bilabial_closure']:.0%} of {t['bilabials']} bilabials, "
                     f"mouth closed in {t['pause_closure']:.0%} of {t['pause_frames']} pause frames"
                     if t["bilabial_closure"] is not None and t["pause_closure"] is not None
                     else "timeline given but it has no bilabials or pauses to score")
    b = report["blinks"]
    lines.append(f"blinks: {b['count']} ({b['per_minute']}/min)"
                 + (f", {b['share_in_pauses']:.0%} in pauses" if b["share_in_pauses"] is not None else ""))
    p = report["head_pose_deg"]
    lines.append("head std yaw/pitch/roll: " + " / ".join(f"{p[a]['std']:.1f}°" for a in ("yaw", "pitch", "roll")))
    bg = report["background"]
    lines.append(f"background drift: mean {bg['drift_mean']:.3f}, max {bg['drift_max']:.3f} levels, moved pixels "
                 f"{bg['moved_share']:.2%}; vs source {bg['vs_source_mean']:.2f}")
    lines.append(f"beside the person (person matte of the source): {bg['beside_person_moved_share']:.2%} of it moved "
                 f"more than 12 levels, at most {bg['beside_person_max_levels']} levels")
    lines.append(f"face sharpness {report['sharpness_vs_source']:.2f}x source")
    return lines


def _has_sound(report: dict) -> bool:
    """Whether the video has a sound track (its loudness is measured, if only zeros)."""
    return "loudness" in report.get("series", {})


def report_page(report: dict) -> np.ndarray:
    """Three plots over time and the headline numbers, as an RGB uint8 image ``[1100, 1000, 3]``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = report["series"]
    t = np.arange(report["frames"]) / report["fps"]
    fig = Figure(figsize=(10, 11), dpi=100)
    axes = fig.subplots(4, 1, gridspec_kw={"height_ratios": [1.3, 2, 1.5, 1.5]})
    axes[0].axis("off")
    axes[0].text(0, 1, "\n".join(summary_lines(report)), va="top", family="monospace", fontsize=9)
    ax = axes[1]
    ax.plot(t, series["aperture"], color="tab:red", label="mouth aperture (inner gap / width)")
    if _has_sound(report) and np.any(series["loudness"]):
        ax.plot(t, np.asarray(series["loudness"]) * np.nanmax(series["aperture"]), color="tab:blue",
                alpha=0.6, label="loudness (scaled)")
    ax.set_ylabel("aperture")
    ax.legend(loc="upper right", fontsize=8)
    axes[2].plot(t, series["eye_ratio"], color="tab:green")
    axes[2].set_ylabel("eye aspect ratio")
    pose = np.asarray(series["pose_deg"], dtype=float)
    for j, name in enumerate(("yaw", "pitch", "roll")):
        axes[3].plot(t, pose[:, j], label=name)
    axes[3].set_ylabel("head pose (°)")
    axes[3].set_xlabel("time (s)")
    axes[3].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


def write_report_page(report: dict, path: str | Path) -> Path:
    """The page as a PNG file."""
    from PIL import Image

    with atomic_output(path) as tmp:
        Image.fromarray(report_page(report)).save(tmp, format="PNG")
    return Path(path)

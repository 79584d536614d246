"""Command line: ``python -m pipelines render|demo ...`` (see ``--help``)."""
from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import InputError  # module level stays this light: Ctrl-C here is not caught yet

INTERRUPTED = 130  # the shell's code for Ctrl-C
DEMO_TEXT = ("Hello! I am a photo, and now I can talk. "
             "Every word you hear moves my lips, and I blink when I pause.")


def _parser() -> argparse.ArgumentParser:
    from .video import DEFAULT_QUALITY  # numpy, scipy: imported inside main(), where Ctrl-C is handled

    p = argparse.ArgumentParser(prog="python -m pipelines", description="Talking photo: photo + text/audio → mp4/webm/gif")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render a talking video")
    r.add_argument("--image", required=True, help="portrait photo (PNG/JPEG/...)")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="what the portrait says (synthesised with the bundled voice)")
    src.add_argument("--audio", help="a speech recording to lip-sync instead")
    r.add_argument("--transcript", help="words of --audio (improves timing)")
    d = sub.add_parser("demo", help="render the bundled demo (skimage astronaut photo)")
    d.add_argument("--text", default=DEMO_TEXT)
    for q in (r, d):
        q.add_argument("--out", required=q is r, default="demo.mp4", help="output .mp4 (H.264+AAC), .webm (VP9+Opus) or .gif")
        q.add_argument("--fps", type=float, default=25.0)
        q.add_argument("--seed", type=int, default=0)
        q.add_argument("--video-quality", type=int, default=DEFAULT_QUALITY,
                       help="H.264 quantizer (VP9: crf), 0-51: lower is sharper and larger, 0 is lossless")
        q.add_argument("--voice", default="joe", help="'joe' (bundled) or a Piper .onnx voice with its .onnx.json")
        q.add_argument("--style", default="calm", help="motion style: calm, lively, news_anchor, still")
        q.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
        q.add_argument("--report", help="write timeline, tracks and timings as JSON here")
        q.add_argument("--srt", help="write subtitles (SRT) of the timeline here")
        q.add_argument("--quality", help="measure the frames before encoding (quality report) into this JSON")
        q.add_argument("--quality-png", help="... and draw that report's one-page summary here")
    c = sub.add_parser("contact-sheet", help="render the key poses of a portrait into one PNG")
    c.add_argument("--image", help="portrait photo (default: the skimage astronaut)")
    c.add_argument("--out", default="docs/contact_sheet.png")
    q = sub.add_parser("report", help="measure a talking video (ours or any mp4 with one face)")
    q.add_argument("video", help="the video to measure")
    q.add_argument("--audio", help="speech to compare with (default: the video's own audio track)")
    q.add_argument("--timeline", help="timeline JSON, or the --report JSON of a render (scores bilabials, pauses)")
    q.add_argument("--source", help="the still photo it was made from (default: the first frame)")
    q.add_argument("--json", help="write the full report (with per-frame series) here")
    q.add_argument("--png", help="write a one-page summary with plots here")
    b = sub.add_parser("bench", help="measure the speed of every stage on this machine")
    b.add_argument("--quick", action="store_true", help="fewer frames, 10 s clips only")
    b.add_argument("--long", action="store_true", help="only the memory check: 512² clips of 1 and 10 minutes")
    b.add_argument("--device", default="cpu")
    b.add_argument("--json", help="also write the results here")
    return p


def _bench(args) -> int:
    from .bench import print_tables, run

    results = run(quick=args.quick, long=args.long, device=args.device)
    print_tables(results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    return 0


def _report(args) -> int:
    from .report_page import write_report_page
    from .sync_report import report_video

    try:
        report = report_video(args.video, args.audio, args.timeline, args.source)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f)
    if args.png:
        write_report_page(report, args.png)
    print(json.dumps(_summary(report), indent=1))
    return 0


def _summary(report: dict) -> dict:
    """A quality report without its per-frame series, for the terminal."""
    summary = {k: v for k, v in report.items() if k != "series"}
    if summary["sync"]:
        summary["sync"] = {k: v for k, v in summary["sync"].items() if not k.endswith("by_lag")}
    return summary


def _contact_sheet(args) -> int:
    from .contact_sheet import write_contact_sheet
    from .portrait import analyze_portrait, load_image_file

    if args.image:
        pixels, name = load_image_file(args.image), args.image
    else:
        from skimage import data

        pixels, name = data.astronaut(), "astronaut"
    try:
        print(f"wrote {write_contact_sheet(analyze_portrait(pixels, name=name), args.out)}")
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "bench":
        return _bench(args)
    if args.command == "contact-sheet":
        return _contact_sheet(args)
    if args.command == "report":
        return _report(args)
    from .render_job import render_talking_video

    if args.command == "demo":
        from skimage import data

        image, audio, transcript = data.astronaut(), None, None
    else:
        image, audio, transcript = args.image, args.audio, args.transcript
    try:
        result = render_talking_video(image, args.out, text=args.text, audio=audio, transcript=transcript,
                                      fps=args.fps, seed=args.seed, device=args.device,
                                      report=args.report, style=args.style, voice=args.voice,
                                      quality=args.quality or bool(args.quality_png), video_quality=args.video_quality)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; no output written", file=sys.stderr)
        return INTERRUPTED
    if args.quality_png:
        from .report_page import write_report_page

        write_report_page(result["quality"], args.quality_png)
    if args.srt and result["timeline"]:
        from .timeline import Timeline

        with open(args.srt, "w", encoding="utf-8") as f:
            f.write(Timeline.from_dict(result["timeline"]).to_srt())
    summary = {k: result[k] for k in ("output", "n_frames", "duration_s", "mouth_source", "ms_per_frame",
                                      "total_s", "real_time_factor", "notes")}
    if "quality" in result:
        summary["quality"] = _summary(result["quality"])
    print(json.dumps(summary, indent=1))
    return 0


def _caused_by_interrupt(error: BaseException) -> bool:
    """True when Ctrl-C is anywhere in the exception chain: a library importing at that moment
    may wrap it (matplotlib's class set-up re-raises it as RuntimeError)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


if __name__ == "__main__":
    try:
        code = main()
    except BaseException as e:  # Ctrl-C while importing, before a stage could catch it
        if not _caused_by_interrupt(e):
            raise
        print("interrupted; no output written", file=sys.stderr)
        code = INTERRUPTED
    if code == INTERRUPTED:  # the partial file is gone; skip interpreter teardown (seconds on a busy machine)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)

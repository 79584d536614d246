"""The command line: ``python -m pipelines render|demo|batch|report|bench|contact-sheet`` (see ``--help``)."""
from __future__ import annotations

import _thread
import argparse
import json
import os
import signal
import sys

from ..common.errors import InputError  # module level stays this light: Ctrl-C here is not caught yet

INTERRUPTED = 130  # the shell's code for Ctrl-C
DEMO_TEXT = ("Hello! I am a photo, and now I can talk. "
             "Every word you hear moves my lips, and I blink when I pause.")


class _Renamed(argparse.Action):
    """A flag's old name, kept for one release: it still works and says the new name."""

    def __init__(self, option_strings, dest, new_name: str, **kwargs):
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)
        self.new_name = new_name

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"note: {option_string} is now {self.new_name}; the old name goes in the next release",
              file=sys.stderr)
        setattr(namespace, self.dest, values)


def _parser() -> argparse.ArgumentParser:
    from ..video.writer import DEFAULT_VIDEO_QUALITY  # numpy, scipy: imported inside main(), where Ctrl-C is handled

    p = argparse.ArgumentParser(prog="python -m pipelines", description="Talking photo: photo + text/audio → mp4/webm/gif")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render a talking video")
    r.add_argument("--image", required=True, help="portrait photo (PNG/JPEG/...)")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="what the portrait says (synthesised with the bundled voice)")
    src.add_argument("--audio", help="a speech recording to lip-sync instead")
    src.add_argument("--seconds", type=float,
                     help="say nothing for this long: a living portrait that breathes, blinks and looks about")
    r.add_argument("--transcript", help="words of --audio (improves timing)")
    d = sub.add_parser("demo", help="render the bundled demo (skimage astronaut photo)")
    d.add_argument("--text", default=DEMO_TEXT)
    for q in (r, d):
        q.add_argument("--out", required=q is r, default="demo.mp4", help="output .mp4 (H.264+AAC), .webm (VP9+Opus) or .gif")
        q.add_argument("--fps", type=float, default=25.0)
        q.add_argument("--seed", type=int, default=0)
        q.add_argument("--video-quality", type=int, default=DEFAULT_VIDEO_QUALITY,
                       help="H.264 quantizer (VP9: crf), 0-51: lower is sharper and larger, 0 is lossless")
        q.add_argument("--background", help="a picture to put the person in front of (replaces the photo's background)")
        q.add_argument("--max-side", type=int,
                       help="downscale the photo so its longer side is at most this many px (the video's size; "
                            "a phone photo renders several times faster at 1080)")
        q.add_argument("--no-glasses", dest="glasses", action="store_false",
                       help="do not look for glasses' rims (found rims stay rigid; without, they move with the skin)")
        q.add_argument("--voice", default="joe", help="'joe' (bundled) or a Piper .onnx voice with its .onnx.json")
        q.add_argument("--style", default="calm", help="motion style: calm, lively, news_anchor, still")
        q.add_argument("--expression", default="neutral", help="the face: neutral, friendly, serious, excited")
        q.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
        q.add_argument("--report", help="write timeline, tracks and timings as JSON here")
        q.add_argument("--srt", help="write subtitles (SRT) of the timeline here")
        q.add_argument("--sync-report", help="measure the frames before encoding (the sync report) into this JSON")
        q.add_argument("--sync-report-png", help="... and draw that report's one-page summary here")
        q.add_argument("--quality", dest="sync_report", action=_Renamed, new_name="--sync-report")
        q.add_argument("--quality-png", dest="sync_report_png", action=_Renamed, new_name="--sync-report-png")
    c = sub.add_parser("contact-sheet", help="render the key poses of portraits into one PNG")
    c.add_argument("--image", action="append",
                   help="portrait photo, may be repeated (default: the skimage astronaut in colour and in grayscale)")
    c.add_argument("--out", default="docs/contact_sheet.png")
    q = sub.add_parser("report", help="measure a talking video (ours or any mp4 with one face): the sync report")
    q.add_argument("video", help="the video to measure")
    q.add_argument("--audio", help="speech to compare with (default: the video's own audio track)")
    q.add_argument("--timeline", help="timeline JSON, or the --report JSON of a render (scores bilabials, pauses)")
    q.add_argument("--source", help="the still photo it was made from (default: the first frame)")
    q.add_argument("--json", help="write the full report (with per-frame series) here")
    q.add_argument("--png", help="write a one-page summary with plots here")
    j = sub.add_parser("batch", help="render many videos in one process (the models load once): "
                                      "each line of a file holds one render's flags")
    j.add_argument("jobs", help="a text file, one render per line: --image a.jpg --text \"Hi.\" --out a.mp4 ... "
                                "(shell quoting; blank lines and # comments are skipped)")
    b = sub.add_parser("bench", help="measure the speed of every stage on this machine")
    b.add_argument("--quick", action="store_true", help="fewer frames, 10 s clips only")
    b.add_argument("--long", action="store_true", help="only the memory check: 512² clips of 1 and 10 minutes")
    b.add_argument("--device", default="cpu")
    b.add_argument("--json", help="also write the results here")
    return p


def _write_json(path: str, data: dict) -> None:
    from ..common.atomic import write_atomic

    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))


def _bench(args) -> int:
    from .bench import print_tables, run

    results = run(quick=args.quick, long=args.long, device=args.device)
    print_tables(results)
    if args.json:
        _write_json(args.json, results)
    return 0


def _report(args) -> int:
    from ..report.measure import report_summary, report_video
    from ..report.page import write_report_page

    report = report_video(args.video, args.audio, args.timeline, args.source)
    if args.json:
        _write_json(args.json, report)
    if args.png:
        write_report_page(report, args.png)
    print(json.dumps(report_summary(report), indent=1))
    return 0


def _contact_sheet(args) -> int:
    import numpy as np

    from ..common.luma import luma
    from ..face.portrait import analyze_portrait, load_image_file
    from ..report.contact_sheet import write_contact_sheet

    if args.image:
        photos = [(load_image_file(path), path) for path in args.image]
    else:  # the sample photo in colour and as a grayscale "old photo"
        from .sample_photo import astronaut

        colour = astronaut()
        gray = np.repeat((luma(colour) + 0.5).astype(np.uint8)[..., None], 3, axis=2)
        photos = [(colour, "astronaut"), (gray, "astronaut in grayscale")]
    print(f"wrote {write_contact_sheet([analyze_portrait(p, name=n) for p, n in photos], args.out)}")
    return 0


def _render(args) -> int:
    from ..common.atomic import write_atomic
    from .render_job import render_talking_video

    if args.command == "demo":
        from .sample_photo import astronaut

        image, audio, transcript, seconds = astronaut(), None, None, None
    else:
        image, audio, transcript, seconds = args.image, args.audio, args.transcript, args.seconds
    result = render_talking_video(image, args.out, text=args.text, audio=audio, transcript=transcript,
                                  seconds=seconds,
                                  fps=args.fps, seed=args.seed, device=args.device, report=args.report,
                                  style=args.style, expression=args.expression, voice=args.voice,
                                  progress=_stop_after_ctrl_c,
                                  sync_report=args.sync_report or bool(args.sync_report_png),
                                  video_quality=args.video_quality, background=args.background,
                                  glasses=args.glasses, max_side=args.max_side)
    if args.sync_report_png:
        from ..report.page import write_report_page

        write_report_page(result["sync_report"], args.sync_report_png)
    if args.srt and result["timeline"]:
        from ..speech.timeline import Timeline

        write_atomic(args.srt, Timeline.from_dict(result["timeline"]).to_srt())
    summary = {k: result[k] for k in ("output", "n_frames", "duration_s", "mouth_source", "ms_per_frame",
                                      "total_s", "real_time_factor", "notes")}
    if "sync_report" in result:
        from ..report.measure import report_summary

        summary["sync_report"] = report_summary(result["sync_report"])
    print(json.dumps(summary, indent=1))
    return 0


def _job(parser: argparse.ArgumentParser, line: str) -> argparse.Namespace:
    """One line of a jobs file as ``render``'s arguments, or an InputError saying why it is not."""
    import shlex

    try:
        return parser.parse_args(["render", *shlex.split(line)])
    except ValueError as e:  # shlex: an unclosed quote
        raise InputError(str(e)) from None
    except SystemExit as e:
        if not e.code:  # -h: render's help was printed, and the batch ends as render would
            raise
        raise InputError("not a render command line (argparse says why above)") from None


def _batch(args) -> int:
    """Each line of the jobs file is one render's flags, rendered in turn in this process. A job
    with a bad line or a bad input is reported with its line number and the others still run (its
    own file is not written); exit 2 if any failed, 130 at Ctrl-C (the videos before it are kept)."""
    from pathlib import Path

    path = Path(args.jobs)
    if not path.is_file():
        raise InputError(f"jobs file {path} does not exist.")
    parser, failed, done = _parser(), [], 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            _render(_job(parser, line))
            done += 1
        except KeyboardInterrupt:
            print(f"interrupted at line {number}; its video is not written, the {done} before it are",
                  file=sys.stderr)
            return INTERRUPTED
        except InputError as e:
            print(f"error: {path}:{number}: {e}", file=sys.stderr)
            failed.append(number)
    print(json.dumps({"rendered": done, "failed_lines": failed}))
    return 2 if failed else 0


COMMANDS = {"render": _render, "demo": _render, "report": _report, "bench": _bench, "contact-sheet": _contact_sheet,
            "batch": _batch}


def main(argv: list[str] | None = None) -> int:
    """Run one command; a bad input is reported in one line (exit 2), Ctrl-C exits 130 with no file."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; no output written", file=sys.stderr)
        return INTERRUPTED


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


_ctrl_c_pressed = False


def _on_ctrl_c(signum, frame) -> None:
    """Python's own Ctrl-C handling, remembered: a library may catch the KeyboardInterrupt and drop
    it (the run then renders to the end), so the render loop also asks ``_stop_after_ctrl_c``."""
    global _ctrl_c_pressed
    _ctrl_c_pressed = True
    raise KeyboardInterrupt


def _stop_after_ctrl_c(done: int, total: int) -> None:
    """The render's progress callback: raise Ctrl-C again after each batch once it was pressed."""
    if _ctrl_c_pressed:
        raise KeyboardInterrupt


def _reraise_dropped_ctrl_c() -> None:
    """Python prints and drops an exception raised inside a ``__del__`` or a weakref callback, so a
    Ctrl-C landing there is lost and the run goes on (importlib runs such a callback on every
    import). Signal it again, from another thread: the main thread raises it in the code it runs
    next, where main() catches it (a signal raised inside this hook would be dropped with it)."""
    report, main_thread = sys.unraisablehook, _thread.get_ident()

    def hook(unraisable) -> None:
        if issubclass(unraisable.exc_type, KeyboardInterrupt):  # a real signal: it also ends a sleep
            _thread.start_new_thread(signal.pthread_kill, (main_thread, signal.SIGINT))
        else:
            report(unraisable)

    sys.unraisablehook = hook


def run() -> None:
    """Entry point of ``python -m pipelines``: exit codes 0, 2 (bad input) or 130 (interrupted)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # ignored (a background job) stays ignored
        signal.signal(signal.SIGINT, _on_ctrl_c)
    _reraise_dropped_ctrl_c()
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

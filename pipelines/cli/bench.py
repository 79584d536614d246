"""``python -m pipelines bench``: speed of every stage on this machine, printed as tables.

Why a command and not a timed test: timings depend on the machine and its load; the numbers are
for the README and for spotting regressions, not for pass/fail. Each end-to-end run happens in
a fresh process so that its peak memory is its own.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

PARAGRAPH = ("Good morning, and welcome to the lesson. Today we look at how light travels, why the sky "
             "is blue, and what a prism does to a beam of sunlight. Take your time, and ask questions "
             "whenever you like. ")


CLOSE_UP = "1024x1024 close-up"


def _text_of(seconds: float) -> str:
    """Roughly ``seconds`` of speech at the bundled voice's pace (~17 characters/s)."""
    return (PARAGRAPH * (int(seconds * 17 / len(PARAGRAPH)) + 1))[: int(seconds * 17)].rsplit(" ", 1)[0].rstrip(".,") + "."


def photo(size: str) -> np.ndarray:
    """The astronaut at 512², enlarged and cut to a 1024×1536 (2:3) portrait, or her head and
    shoulders enlarged to a 1024² close-up (``1024x1024 close-up``: the framing of a portrait made
    by an image generator, whose head covers most of the frame)."""
    from PIL import Image

    from .sample_photo import astronaut

    image = astronaut()
    if size == "512x512":
        return image
    if size == CLOSE_UP:
        return np.asarray(Image.fromarray(image[0:320, 65:385]).resize((1024, 1024), Image.LANCZOS))
    big = np.asarray(Image.fromarray(image).resize((1536, 1536), Image.LANCZOS))
    return np.ascontiguousarray(big[:, 256:1280])


def bench_speech() -> dict:
    from ..speech.alignment import align
    from ..speech.audio import Audio
    from ..speech.tts import synthesize_speech

    text = _text_of(20)
    synthesize_speech("Warm up.")
    t0 = time.perf_counter()
    speech = synthesize_speech(text)
    tts_s = time.perf_counter() - t0
    audio = Audio(speech.samples, speech.sample_rate)
    t0 = time.perf_counter()
    align(audio, text)
    align_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    align(audio, None)
    recognise_s = time.perf_counter() - t0
    d = audio.duration_s
    return {"audio_s": round(d, 2), "tts_rtf": round(tts_s / d, 3),
            "forced_alignment_x_realtime": round(d / align_s, 1),
            "recognition_x_realtime": round(d / recognise_s, 1)}


def bench_render(size: str, n_frames: int = 240, device: str = "cpu") -> dict:
    """Renderer alone (no encode): frames/s and ms/frame per step, on speech-driven tracks."""
    from ..speech.audio import Audio
    from ..motion.blinks import inject_blinks
    from ..mouth.features import compute_features
    from ..render.renderer import Renderer, batch_size_for, frame_tracks
    from ..motion.head import generate_motion
    from ..face.clean_plate import fill_background
    from ..face.person_matte import person_matte
    from ..face.portrait import analyze_portrait
    from ..speech.tts import synthesize_speech

    portrait = analyze_portrait(photo(size))  # also warms the person segmenter up
    t0 = time.perf_counter()
    person_matte(portrait.image, face_box=portrait.face_box)
    t1 = time.perf_counter()
    fill_background(portrait.image, portrait.layer)
    person_ms = {"person_matte": round(1000 * (t1 - t0)), "clean_plate": round(1000 * (time.perf_counter() - t1))}
    speech = synthesize_speech(_text_of(n_frames / 25 + 1))
    features = compute_features(Audio(speech.samples, speech.sample_rate), 25, speech.timeline)
    motion = inject_blinks(generate_motion(features, seed=0), features, seed=0)
    tracks = {k: v[:n_frames] for k, v in frame_tracks(features, motion).items()}
    renderer = Renderer(portrait, device)
    batch_size = batch_size_for(portrait, device)
    buffer = renderer.frames_buffer(batch_size)  # as render_frames does: one buffer, crops rewritten
    renderer.render({k: v[:batch_size] for k, v in tracks.items()}, buffer)  # warm-up
    renderer.step_s.clear()
    t0 = time.perf_counter()
    for start in range(0, n_frames, batch_size):
        batch = {k: v[start:start + batch_size] for k, v in tracks.items()}
        renderer.render(batch, buffer[:len(batch["jaw_open"])])
    total = time.perf_counter() - t0
    x0, y0, x1, y1 = portrait.crop
    return {"photo": size, "crop": f"{x1 - x0}x{y1 - y0}", "frames": n_frames,
            "fps": round(n_frames / total, 1), "ms_per_frame": round(1000 * total / n_frames, 2),
            "steps_ms_per_frame": {k: round(1000 * v / n_frames, 2) for k, v in renderer.step_s.items()},
            "once_per_photo_ms": person_ms}


def _peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's ``ru_maxrss`` survives ``execve``, so a spawned
    child would report its parent's peak; ``VmHWM`` belongs to the process's own memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _end_to_end(size: str, seconds: float) -> dict:
    from .render_job import render_talking_video

    with tempfile.TemporaryDirectory() as tmp:
        result = render_talking_video(photo(size), Path(tmp) / "bench.mp4", text=_text_of(seconds))
    peak_mb = _peak_rss_mb()
    return {"photo": size, "audio_s": round(result["duration_s"], 1), "frames": result["n_frames"],
            "ms_per_frame": result["ms_per_frame"], "real_time_factor": result["real_time_factor"],
            "peak_rss_mb": round(peak_mb)}


def bench_end_to_end(size: str, seconds: float, repeats: int = 1) -> dict:
    """Full renders (landmarks → TTS → features → motion → render → encode), each in a fresh
    process: the median run by real-time factor, with the fastest and slowest factor. A shared
    machine's speed drifts by 10–20% from minute to minute; one run says little about a target."""
    context = multiprocessing.get_context("spawn")
    runs = []
    for _ in range(repeats):
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            runs.append(pool.submit(_end_to_end, size, seconds).result())
    runs.sort(key=lambda r: r["real_time_factor"])
    return {**runs[len(runs) // 2], "runs": repeats,
            "real_time_factor_range": [runs[0]["real_time_factor"], runs[-1]["real_time_factor"]]}


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
            f"Python {platform.python_version()}, torch {torch.__version__}")


def run(quick: bool = False, long: bool = False, device: str = "cpu") -> dict:
    if long:  # peak memory must not grow with length: the CLI streams frames to the encoder
        return {"machine": machine(), "end_to_end": [bench_end_to_end("512x512", d) for d in (60, 600)]}
    repeats = 1 if quick else 3
    sizes = ("512x512", "1024x1536", CLOSE_UP)
    results = {"machine": machine(), "speech": bench_speech(),
               "render": [bench_render(s, 96 if quick else 240, device) for s in sizes],
               "end_to_end": [bench_end_to_end(s, d, repeats) for s in sizes
                              for d in ((10,) if quick or s == CLOSE_UP else (10, 60))]}
    return results


def print_tables(results: dict) -> None:
    print(f"machine: {results['machine']}\n")
    if "speech" in results:
        _print_stage_tables(results)
    _print_end_to_end(results)


def _print_stage_tables(results: dict) -> None:
    s = results["speech"]
    print(f"speech ({s['audio_s']} s): TTS real-time factor {s['tts_rtf']}, forced alignment "
          f"{s['forced_alignment_x_realtime']}x real time, recognition {s['recognition_x_realtime']}x real time\n")
    steps = list(results["render"][0]["steps_ms_per_frame"])
    print("| renderer | crop | frames/s | ms/frame | " + " | ".join(steps) + " |")
    print("|---|---|---|---|" + "---|" * len(steps))
    for r in results["render"]:
        print(f"| {r['photo']} | {r['crop']} | {r['fps']} | {r['ms_per_frame']} | "
              + " | ".join(str(r["steps_ms_per_frame"][k]) for k in steps) + " |")
    print("\nonce per photo (ms): " + "; ".join(f"{r['photo']}: person matte {r['once_per_photo_ms']['person_matte']}, "
                                               f"clean plate {r['once_per_photo_ms']['clean_plate']}"
                                               for r in results["render"]))


def _print_end_to_end(results: dict) -> None:
    stages = list(results["end_to_end"][0]["ms_per_frame"])
    print("\n| end to end | audio s | frames | " + " | ".join(stages) + " | real-time factor | runs: fastest–slowest | peak RSS MB |")
    print("|---|---|---|" + "---|" * len(stages) + "---|---|---|")
    for r in results["end_to_end"]:
        fastest, slowest = r["real_time_factor_range"]
        print(f"| {r['photo']} | {r['audio_s']} | {r['frames']} | "
              + " | ".join(str(r["ms_per_frame"].get(k, "")) for k in stages)
              + f" | {r['real_time_factor']} | {r['runs']}: {fastest}–{slowest} | {r['peak_rss_mb']} |")

"""README pictures from a rendered video: a GIF of the head and shoulders and a strip of frames.
Run: .venv/bin/python tools/demo_media.py demo.mp4"""
from __future__ import annotations

import sys
from pathlib import Path

import av
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def main(video: str, box=(80, 0, 420, 340)) -> None:
    x0, y0, x1, y1 = box
    with av.open(video) as c:
        frames = [f.to_ndarray(format="rgb24")[y0:y1, x0:x1] for f in c.decode(video=0)]
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    gif = [Image.fromarray(f).quantize(colors=128, method=Image.Quantize.MEDIANCUT) for f in frames[::3]]
    gif[0].save(docs / "demo.gif", save_all=True, append_images=gif[1:], duration=120, loop=0, optimize=True)
    pick = np.linspace(0, len(frames) - 1, 6).astype(int)
    Image.fromarray(np.concatenate([frames[i] for i in pick], axis=1)).save(docs / "demo_strip.png")
    print("wrote docs/demo.gif and docs/demo_strip.png")


if __name__ == "__main__":
    main(sys.argv[1])

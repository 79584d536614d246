"""Reading video files back: frame rate and frames, streamed (the sync report measures any video)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np


def video_fps(path: str | Path) -> float:
    """Frame rate of a video file's first video stream."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float(stream.average_rate or stream.guessed_rate)


def read_frames(path: str | Path) -> Iterator[np.ndarray]:
    """Yield the decoded frames of a video file one by one as uint8 ``[H, W, 3]`` (streaming)."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")

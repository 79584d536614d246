"""TP_TIMELINE: what is said and when, in one phone set, serialisable to JSON and SRT."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SILENCE = "sil"
PAUSE_MIN_S = 0.2  # a silence at least this long counts as a pause (breath, phrase end)


@dataclass(frozen=True)
class Segment:
    """A labelled interval in seconds; phones use their phone-set symbol, silence is ``sil``."""

    label: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Timeline:
    """Words and phones on the audio clock.

    ``phone_set`` is ``"ipa"`` (espeak, from the synthesizer) or ``"arpabet"`` (pocketsphinx);
    ``source`` says how the timing was obtained, so users can see which path ran.
    """

    words: list[Segment]
    phones: list[Segment]
    phone_set: str
    source: str
    duration_s: float
    text: str = ""
    notes: list[str] = field(default_factory=list)

    def pauses(self, min_duration_s: float = PAUSE_MIN_S) -> list[Segment]:
        """Silent stretches (merged adjacent silences) of at least ``min_duration_s``."""
        merged: list[Segment] = []
        for p in self.phones:
            if p.label != SILENCE:
                continue
            if merged and abs(merged[-1].end - p.start) < 1e-6:
                merged[-1] = Segment(SILENCE, merged[-1].start, p.end)
            else:
                merged.append(p)
        return [s for s in merged if s.duration >= min_duration_s]

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, d: dict) -> "Timeline":
        seg = lambda items: [Segment(**s) for s in items]
        return cls(seg(d["words"]), seg(d["phones"]), d["phone_set"], d["source"],
                   float(d["duration_s"]), d.get("text", ""), list(d.get("notes", [])))

    def to_srt(self, max_words: int = 8, max_gap_s: float = 0.5) -> str:
        """Subtitles: cues of up to ``max_words`` words, split at pauses longer than ``max_gap_s``."""
        cues: list[list[Segment]] = []
        for w in self.words:
            if cues and len(cues[-1]) < max_words and w.start - cues[-1][-1].end <= max_gap_s:
                cues[-1].append(w)
            else:
                cues.append([w])
        lines = []
        for i, cue in enumerate(cues, 1):
            text = " ".join(w.label for w in cue)
            lines.append(f"{i}\n{_srt_time(cue[0].start)} --> {_srt_time(cue[-1].end)}\n{text}\n")
        return "\n".join(lines)


def _srt_time(t: float) -> str:
    ms = max(0, round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"

"""The one vocabulary of per-frame track names: TP_FEATURES' tracks and TP_MOTION's channels.

Every stage names tracks from here, so a misspelt or unknown channel is an error at the stage
that cannot use it (the renderer refuses what it cannot draw) instead of silently having no effect.
"""
from __future__ import annotations

# TP_FEATURES: acoustic tracks, then the mouth controls derived from the visemes (0..1 each).
ACOUSTIC = ("loudness", "pitch", "voice_activity")
MOUTH_CONTROLS = ("jaw_open", "lip_spread", "lip_round", "lip_press")
FEATURE_TRACKS = ACOUSTIC + MOUTH_CONTROLS

# TP_MOTION: head pose (degrees; tx/ty in face widths; scale a relative change), body (breath
# 0 exhaled .. 1 full inhale; sway a sideways lean in face widths at the shoulders), eyelids
# (0 open .. 1 closed), gaze (the eyes' turn within the head, degrees: + towards the image's
# right and down) and expressions (0..1). A motion channel named like a mouth control adds to the
# speech-driven control.
HEAD_POSE = ("yaw", "pitch", "roll", "tx", "ty", "scale")
BODY = ("breath", "sway")
BLINKS = ("blink_l", "blink_r")
GAZE = ("gaze_x", "gaze_y")
EXPRESSIONS = ("brow_raise", "brow_frown", "smile", "squint")

# What the renderer draws, and which of those are closures clipped to 0..1.
DRAWN = MOUTH_CONTROLS + BLINKS + GAZE + EXPRESSIONS + HEAD_POSE + BODY
UNIT_RANGE = MOUTH_CONTROLS + BLINKS + EXPRESSIONS + ("breath",)

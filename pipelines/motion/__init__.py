"""Motion: speech-driven head motion and blinks (TP_MOTION)."""

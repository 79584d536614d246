"""Speech: text → audio with an exact phone timeline, or a recording → timeline by alignment."""

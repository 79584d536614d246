"""Mouth: phone timeline and loudness → per-frame visemes and mouth controls (TP_FEATURES)."""

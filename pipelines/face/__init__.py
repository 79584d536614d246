"""Face: the photo, its landmarks and the named landmark groups (TP_PORTRAIT)."""

"""Render: per-frame tracks → pixels (the rig, the warp and the painters)."""

"""Report: measuring rendered frames with a fresh face detector, and pictures for people."""

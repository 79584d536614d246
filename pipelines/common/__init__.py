"""What every stage shares: errors, the frame clock, progress, track names, file writing."""

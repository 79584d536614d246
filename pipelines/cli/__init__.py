"""The command line: render, demo, report, bench, contact-sheet."""

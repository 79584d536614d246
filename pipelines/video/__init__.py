"""Video: frames + audio → a file, and reading video files back."""

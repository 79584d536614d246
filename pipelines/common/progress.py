"""The one progress callback type that long stages report to."""
from __future__ import annotations

from collections.abc import Callable

# ``progress(done, total)``: called as work completes; it may raise to stop the stage (ComfyUI's
# Cancel raises here), so stages call it only where stopping leaves nothing half-written.
Progress = Callable[[int, int], None]

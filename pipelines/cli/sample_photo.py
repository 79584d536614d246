"""The sample portrait of the demo, the contact sheet and the benchmark: scikit-image's astronaut.

scikit-image is the command line's optional extra (``pip install talking-photo[demo]``; ``make setup``
installs it), not a requirement of the nodes, so a missing copy gets an instruction, not a traceback.
"""
from __future__ import annotations

import numpy as np

from ..common.errors import InputError


def astronaut() -> np.ndarray:
    """``skimage.data.astronaut()``: 512×512 RGB, NASA, public domain."""
    try:
        from skimage import data
    except ImportError as e:
        raise InputError("the sample photo comes with scikit-image: `pip install scikit-image`, "
                         "or give your own photo with --image.") from e
    return data.astronaut()

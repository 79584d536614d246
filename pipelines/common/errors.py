"""One exception type for bad user input, so callers can tell it from bugs."""


class InputError(ValueError):
    """Raised for input the user can fix; the message names the input and the fix."""

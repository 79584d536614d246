"""``python -m pipelines …``: the command line lives in ``pipelines.cli``."""
from .cli.main import run

run()

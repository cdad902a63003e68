"""``python3 -m mreg``: the command line."""

from .cli import run

run()

"""``python -m piu``: the bundled piu command line (see _cli.py)."""
from piu._cli import main

main()

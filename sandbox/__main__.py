"""`python -m sandbox`: the command-line entry point."""

import sys

from sandbox.cli import main

sys.exit(main())

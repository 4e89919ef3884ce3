"""``python -m cookbook`` is the ``cookbook`` command."""
import sys

from .cli import main

sys.exit(main())

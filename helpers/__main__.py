"""``python -m helpers`` is the same as the ``cookbook`` command."""
import sys

from .cli import main

sys.exit(main())

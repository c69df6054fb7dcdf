"""Allow ``python -m generator`` as well as the ``cimis`` command."""

import sys

from .cli import main

sys.exit(main())

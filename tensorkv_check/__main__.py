"""``python -m tensorkv_check``: the ``tensorkv-check`` command without the console script."""

import sys

from tensorkv_check.cli.command import main

sys.exit(main())

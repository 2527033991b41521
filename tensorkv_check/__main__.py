"""``python -m tensorkv_check``: the ``tensorkv-check`` command without the console script."""

from tensorkv_check.cli.command import console_main

console_main()

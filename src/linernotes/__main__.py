"""`python -m linernotes` and the `linernotes` script."""

from __future__ import annotations

import sys


def run() -> None:
    """Start the CLI. Ctrl-C while its modules load ends as quietly as later."""
    try:
        from linernotes.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was changed\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()

"""`python -m linernotes`."""

from linernotes.cli import main

if __name__ == "__main__":
    main()

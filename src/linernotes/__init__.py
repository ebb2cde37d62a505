"""linernotes: deep, private insight into your own music listening history."""

__version__ = "0.1.0"

"""The device side of the cooperative: build packages from the library (``package``), keep the
contributor's id, token and receipts (``state``), and talk to the server (``api``)."""

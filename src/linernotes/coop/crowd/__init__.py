"""You vs. the crowd, on the person's device: the release kept beside the library is verified (``verify``), the
person's own metrics are placed in its noisy histograms (``percentile``) and artists new to them are picked from
its shared taste model (``recommend``); ``compare`` puts these together for ``linernotes crowd``, the report and
the dashboard.

Device code only: nothing here imports the release builder or its noise library (OpenDP, in the ``coop-server``
extra); the release's format is :mod:`linernotes.coop.release_format`.
"""

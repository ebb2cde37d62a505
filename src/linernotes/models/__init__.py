"""The AI layer: models of a person's taste learned from their own library, on their own machine.

Each model is plain numpy/scipy/scikit-learn, deterministic for a seed, measured against planted truth
(``benchmarks/ai_quality.py``), and pure computation: arrays and dataclasses in, dataclasses out — no SQL,
no scope, no cache, nothing from :mod:`linernotes.insights` (``tests/test_architecture.py`` checks it). The
insight that shows a model (:mod:`linernotes.insights`) reads its input from the library and caches what it
trained with :mod:`linernotes.engine.model_cache`, keyed by what it was trained on, so a re-run on an
unchanged library costs nothing.
"""

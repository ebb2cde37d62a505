"""The AI layer: models of a person's taste learned from their own library, on their own machine.

Each model is plain numpy/scipy/scikit-learn, deterministic for a seed, measured against planted truth
(``benchmarks/ai_quality.py``), and exposed as an insight in the registry (``linernotes.insights``) so the
CLI, report, dashboard and ``ask`` use it like any other insight. Trained state is cached on disk by
:mod:`linernotes.engine.model_cache`, keyed by what it was trained on, so a re-run on an unchanged library costs
nothing.
"""

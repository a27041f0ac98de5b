"""``make bench``: Relais measured against the raw ceilings of its own parts, in one run.

One module per measurement under :mod:`bench.measurements`, each registering itself with
:func:`bench.registry.measurement`; ``python -m bench`` runs them in order against the local stack
and writes ``bench/results/latest.json`` and ``latest.md``.
"""

"""One module per measurement; each registers itself with :func:`bench.registry.measurement`.

To add figures for another service, add a module here (ceilings with ``kind="ceiling"``, the
service's own figures with ``kind="relais"`` and ``ceiling=`` the key of the figure they compare to).
"""

"""Relais development tooling: the local stack, the ``relais`` command, the contract check, test helpers.

Never installed in a production image (``uv sync --no-dev`` leaves it out, with the servers it starts).
"""

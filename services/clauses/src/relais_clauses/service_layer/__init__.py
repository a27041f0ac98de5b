"""Handlers of the clauses service: one function per command, in a unit of work that commits the state and
its events together, split by what they act on (``contracts``, ``participants``, ``hours``, ``monitoring``,
``penalties``, ``reports``). Perimeters (``perimeter``): a facilitator acts on the clauses it is in charge
of, a buyer on its operations, a contractor (employer) on its own contracts; the pact coordination reads
everything."""

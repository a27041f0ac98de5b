"""The clauses domain: pure rules, no I/O (contract terms, counting, pooling, eligibility, hours, progress and
penalties, the monitor's days, the yearly report) and the events a clause records."""

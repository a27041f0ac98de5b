"""The clauses domain: pure rules, no I/O (counting, pooling, eligibility, progress, penalties)."""

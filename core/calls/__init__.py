"""Editions and their calls for candidates.

This package owns the editions (rencontres: `editions`), the calls for candidates that
each edition opens to invited networks — their set-up, eligibility, evaluation criteria,
opening, extension and closing (`calls`) — and what calls each actor sees, with the
project lead's counts of candidacies per network (`listing`). Whether a call takes a
candidacy at a given moment is the candidacies' rule (core.candidacies.rules).
"""

"""Deliberation and selection of a call's pitch presenters.

Owns the lead's decisions on submitted candidacies (retenue, liste d'attente with a
rank, non retenue, back to pending) within the call's pitch slots, the ordered waiting
list (ranks always 1..n), the balance figures of a selection, the proposed balanced
selection (an integer programme solved by HiGHS through scipy.optimize.milp) with its
waiting list, infeasibility explanation and difference against the current decisions,
and the publication of a call's decisions (one act, one notification row per
candidacy and outcome in the outbox) with audited revisions afterwards. Every write
goes through `state` (the call row locked, one audit row per changed candidacy);
the scores come from the review board as a column of the candidates' DataFrame.
"""

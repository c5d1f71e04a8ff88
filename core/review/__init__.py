"""Review of a call's submitted candidacies: who reviews which call (reviewers, their
declared conflicts of interest, abstentions), the optional assignment of candidacies to
reviewers, the review form's write path (drafts, submission, revisions until the call's
decisions are published, each audited and guarded by a version), the arithmetic of the
scores (weighted totals, medians, spreads, z-score normalisation, ranks) and the lead's
review board built on it, with a candidacy's detail and the review progress per call and
reviewer. Networks never reach any of it.
"""

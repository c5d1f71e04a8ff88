"""Candidacies: the structures networks put forward to a call, and the directory they build.

This package owns the candidacy form and its validation (`form`), the rules every entry
point checks — the call's window, the network's invitation, ownership, eligibility
(`rules`) —, the one write path of a candidacy: save, submit, withdraw, its audit rows and
acknowledgement (`saving`, which the spreadsheet import uses too), reading candidacies and
the status a network sees (`read`), and the directory of structures with the SIRET prefill
(`directory`).
"""

"""The programme of an edition: its items, their times, and the versions published.

For now this package owns the computation of the items' times from the edition's start
and their durations (`timing`) and the content of a published programme version
(`snapshot`); the demonstration data use both. Building and publishing the programme will
land here.
"""

"""The programme of an edition: its items, the pitch sessions fed by the selection, the
warnings, the versions published, the public reading and the exports.

- `timing`: Paris wall-clock times ↔ UTC instants, and the times of a session's pitches;
- `pitches`: each call's retained candidacies, in the lead's order (read from the selection);
- `working`: the working copy as the editor shows it (items, pitch sessions, times);
- `warnings`: what the lead should look at before publishing (never a silent error);
- `editing`: the lead's changes (template, add, move, resize, remove, pitch order);
- `publishing`: numbered versions with a note, and the pitches whose time a version changed;
- `public`: the published programmes anyone may read;
- `exports`: PDF, ICS and spreadsheet of a published version.
"""

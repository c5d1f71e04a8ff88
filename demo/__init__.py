"""Demonstration data: networks, accounts, structures, two editions with their calls.

Not application code: `manage.py seed-demo` fills an empty database with it, so that the
application can be shown and tried. The data set is in `data`, the writing of it in
`seed`; the programme's times come from core.programme, as the application's will.

Everything here is fictitious. Structures have invented names, valid but invented
SIRETs (see `seed.demo_siret`), phone numbers in the range ARCEP reserves for fiction
(01 99 00 xx xx) and e-mail addresses and websites under exemple.fr. The networks
Urtie, Initiatives 77, Inclusiv'Essonne… exist, but their contacts here do not.
"""

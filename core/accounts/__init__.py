"""Accounts: who may use the application and how they get in.

This package owns the accounts and the networks they belong to: password hashing and
strength (`passwords`), random tokens and their stored digests (`tokens`), sign-in and its
lockout (`signin`), sign-in sessions and the actor a cookie stands for (`sessions`),
single-use links (`links`) for invitations (`invitations`) and password resets
(`resets`), the administration of accounts (`administration`), one's own password
(`profile`) and the administration of networks (`networks`). Secrets never reach the
database in clear: passwords are argon2 hashes, session and link tokens SHA-256 digests.
"""

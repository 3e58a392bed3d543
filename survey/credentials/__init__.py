"""Passwords, login devices and two-step login: the rules of signing in, which the login pages
(auth blueprint), account management (accounts.py), the CLI and the demo all use. Not a
blueprint, so that none of them imports another's routes."""

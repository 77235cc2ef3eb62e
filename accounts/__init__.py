"""Accounts: the user model, public handles, account creation in bulk and roles."""

"""Accounts: the user model, public handles, provisioning, login/sign-up adapters and roles."""

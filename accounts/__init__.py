"""Accounts: the user model, public handles and roles; imports neither campaign nor scoring."""

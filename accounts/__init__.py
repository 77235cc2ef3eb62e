"""Accounts: the user model, public handles, account creation in bulk and roles.

It imports neither campaign nor scoring (an import contract checks it).
"""

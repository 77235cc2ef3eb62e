"""Participants: enrolment, provisioning of accounts for a campaign, and sign-up."""

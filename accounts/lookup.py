"""Finding accounts by what people type: a username or an e-mail, in any letter case.

allauth compares e-mails exactly after lower-casing the typed one, so an address stored with
capitals (an account made in the admin, say) is invisible to it, and it keys the failed-login
limit on the typed text, so a username and an e-mail count apart. Both rules are here, once:
the account adapter (campaign.participants.signup) applies them.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Q

from accounts.models import User


def email_registered(email: str) -> bool:
    """Whether any account uses ``email`` (its own field or an allauth address), any case."""
    email = email.strip()
    if not email:
        return False
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def account_for_login(login: str) -> User | None:
    """The one account a typed login names (username, else e-mail), or None."""
    login = login.strip()
    if not login:
        return None
    by_username = User.objects.filter(username__iexact=login).order_by("pk")[:2]
    if len(by_username) == 1:
        return by_username[0]
    if "@" not in login:
        return None
    owners = set(
        User.objects.filter(
            Q(email__iexact=login) | Q(emailaddress__email__iexact=login)
        ).values_list("pk", flat=True)
    )
    return User.objects.get(pk=owners.pop()) if len(owners) == 1 else None

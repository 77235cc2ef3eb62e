"""The "API tokens" page: an organiser lists, creates (shown once) and revokes their tokens.

Like the other organiser pages, it is for organisers only (others get a 404) and its forms
are CSRF-protected POSTs. A new token is shown in the answer to the POST that made it and
never again: only its digest is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import User
from api.exceptions import ApiTokenError
from api.models import ApiToken
from api.tokens import create_api_token, revoke_api_token, tokens_of
from campaign.organise.access import organises_any_campaign


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """GET: the list. POST: a new token, shown on this answer only."""
    user = request.user
    if not isinstance(user, User) or not organises_any_campaign(user):
        raise Http404("No such page.")
    secret = ""
    error = ""
    if request.method == "POST":
        try:
            issued = create_api_token(user=user, name=request.POST.get("name", ""))
        except ApiTokenError as refusal:
            error = str(refusal)
        else:
            secret = issued.secret
    context = {"tokens": tokens_of(user), "secret": secret, "error": error}
    return render(request, "api/tokens.html", context, status=422 if error else 200)


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    revoke_api_token(token=token)
    messages.success(request, f"Token {token} revoked: it no longer works.")
    return redirect("api_tokens:list")

"""Manage accounts: the company's people, new accounts, role changes, the primary hand-over and
the invitation link (ACC-4)."""
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ..access import access_person, customer_required
from ..errors import AccountsError
from ..forms.people import HandOverForm, NewPersonForm, PersonForm
from ..links import site_url
from ..permissions import Capability
from ..selectors import people_of_company
from ..services import people as services

# The invitation token waits in the session while the address shows this placeholder.
INVITATION_TOKEN = "accounts.invitation_token"
INVITATION_URL_TOKEN = "set-password"


@customer_required(Capability.MANAGE_ACCOUNTS)
def people_list(request):
    membership = request.membership
    return render(request, "accounts/people/list.html", {
        "people": people_of_company(request.tenant, membership.company),
    })


@customer_required(Capability.MANAGE_ACCOUNTS)
def person_new(request):
    form = NewPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.invite_person(by=request.membership, site_url=site_url(request),
                                            **form.cleaned_data)
        except AccountsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("We sent an invitation to %(email)s. The link lets them "
                                        "set a password and log in.") % {
                                            "email": person.user.email})
            return redirect("accounts:people")
    return render(request, "accounts/people/new.html", {"form": form})


def _edit_page(request, person, *, form=None, hand_over_form=None):
    return render(request, "accounts/people/edit.html", {
        "person": person,
        "is_self": person.pk == request.membership.pk,
        "form": form or PersonForm(initial={"role": person.role,
                                            "is_active": person.user.is_active}),
        "hand_over_form": hand_over_form or HandOverForm(),
    })


@customer_required(Capability.MANAGE_ACCOUNTS)
def person_edit(request, pk):
    person = access_person(request.membership, pk)
    if request.method != "POST":
        return _edit_page(request, person)
    if "resend_invitation" in request.POST:
        try:
            services.resend_invitation(by=request.membership, person=person,
                                       site_url=site_url(request))
        except AccountsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("We sent a new invitation to %(email)s.") % {
                "email": person.user.email})
        return redirect("accounts:person_edit", pk=pk)
    form = PersonForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, person, form=form)
    try:
        services.update_person(by=request.membership, person=person, **form.cleaned_data)
    except AccountsError as error:
        messages.error(request, error.message)
        return redirect("accounts:person_edit", pk=pk)
    messages.success(request, _("Saved the account of %(name)s.") % {"name": person.user})
    return redirect("accounts:people")


@require_POST
@customer_required(Capability.MANAGE_ACCOUNTS)
def hand_over_primary(request, pk):
    person = access_person(request.membership, pk)
    form = HandOverForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, person, hand_over_form=form)
    try:
        services.hand_over_primary(by=request.membership, to=person)
    except AccountsError as error:
        messages.error(request, error.message)
        return redirect("accounts:person_edit", pk=pk)
    messages.success(request, _("%(name)s is now the primary account holder; you are an "
                                "advanced secondary account.") % {"name": person.user})
    return redirect("dashboard")


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def accept_invitation(request, uidb64, token):
    """The invitee sets a password, and is then logged in (ACC-4).

    As Django's reset view does, the token moves from the address into the session, so that it
    cannot leak through the Referer header of the page where the password is typed.
    """
    if request.tenant is None:
        raise Http404
    if token != INVITATION_URL_TOKEN:
        request.session[INVITATION_TOKEN] = token
        return redirect("accounts:accept_invitation", uidb64=uidb64, token=INVITATION_URL_TOKEN)
    token = request.session.get(INVITATION_TOKEN, "")
    try:
        user = services.invited_person(tenant=request.tenant, uidb64=uidb64, token=token)
    except AccountsError as error:
        return render(request, "accounts/people/invitation_invalid.html",
                      {"message": error.message})
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(tenant=request.tenant, uidb64=uidb64, token=token,
                                              password=form.cleaned_data["new_password1"])
        except AccountsError as error:
            return render(request, "accounts/people/invitation_invalid.html",
                          {"message": error.message})
        login(request, user)
        messages.success(request, _("Welcome! Your password is set and you are logged in."))
        return redirect("dashboard")
    return render(request, "accounts/people/accept.html", {"form": form, "person": user})

"""The customer's profile (P-7): details, language and timezone, social links, picture and password."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _

from crm.auth import attempts, sessions
from crm.auth.forms import timezone_names
from crm.database import unit_of_work
from crm.fields import data_fields, form_with_fields, load_values, save_values, submitted_values
from crm.people.forms import show_errors
from crm.people.services import InvalidChange, save_contact
from crm.storage import send_stored_file
from plugins.portal import accounts, avatars
from plugins.portal.customers import current_customer
from plugins.portal.forms import AvatarForm, ChangePasswordForm, ProfileForm
from plugins.portal.sites import current_portal, portal_url
from plugins.portal.views import bp, customer_required

SOCIAL = ("website_url", "linkedin_url", "twitter_url")


def _profile_form(customer, formdata=None) -> ProfileForm:
    """The profile form with the contact's data fields (place ``portal_profile``) attached.

    ``form.profile_fields`` and ``form.profile_values`` are the data fields and
    their stored values, for the template's read-only ones.
    """
    contact, account = customer.contact, customer.account
    fields = data_fields("contact", "portal_profile", contact=contact, viewer=customer.actor)
    stored = load_values("contact", [contact.id], fields)[contact.id]
    data = {"name": contact.name, "position": contact.position, "phone": contact.phone,
            "locale": contact.locale or "", "timezone": contact.timezone or "",
            **{name: getattr(account, name) for name in SOCIAL}}
    if formdata is None:
        form = form_with_fields(ProfileForm, fields, values=stored, prefix="profile", formdata=None, data=data)
    else:
        form = form_with_fields(ProfileForm, fields, prefix="profile")
    form.profile_fields, form.profile_values = fields, stored
    return form


def _render(profile=None, password=None, avatar=None, status: int = 200):
    customer = current_customer()
    return render_template("portal/profile.html", form=profile or _profile_form(customer),
                           password_form=password or ChangePasswordForm(prefix="password", formdata=None),
                           avatar_form=avatar or AvatarForm(prefix="avatar", formdata=None),
                           company=customer.contact.company, timezones=timezone_names(),
                           has_password=bool(customer.contact.password_hash)), status


@bp.route("/profile", methods=["GET", "POST"])
@customer_required
def profile():
    """Name, position, phone, language, timezone and social links; the company is shown, not changed."""
    customer = current_customer()
    if request.method == "GET":
        return _render()
    form = _profile_form(customer, formdata=True)
    if not form.validate():
        return _render(profile=form, status=400)
    contact = customer.contact
    values = {"name": form.name.data, "email": contact.email, "phone": form.phone.data or "",
              "position": form.position.data or "", "company_id": contact.company_id,
              "locale": form.locale.data or None, "timezone": form.timezone.data or None,
              "external_id": contact.external_id}
    try:
        with unit_of_work():
            save_contact(contact, values, actor=None)
            save_values("contact", contact.id, form.profile_fields, submitted_values(form, form.profile_fields),
                        customer.actor)
            for name in SOCIAL:
                setattr(customer.account, name, (getattr(form, name).data or "").strip())
    except InvalidChange as exc:
        show_errors(form, exc.errors)
        return _render(profile=form, status=400)
    flash(_("Your profile has been saved."), "success")
    return redirect(portal_url(current_portal(), "portal.profile"))


@bp.post("/profile/password")
@customer_required
@attempts.limit_posts("portal-profile-password", "LOGIN_RATE_LIMIT")
def profile_password():
    """Change the password (the current one is needed when there is one); other sessions end."""
    customer = current_customer()
    form = ChangePasswordForm(prefix="password")
    if form.validate():
        if customer.contact.password_hash and not customer.contact.check_password(form.current.data or ""):
            form.current.errors = [_("The current password is wrong.")]
        else:
            remember = bool(sessions.current() and sessions.current().remembered)
            try:
                with unit_of_work():
                    accounts.set_password(customer, form.password.data)
            except InvalidChange as exc:
                show_errors(form, exc.errors)
            else:
                with unit_of_work():
                    sessions.start(customer, remember=remember)  # this browser stays signed in
                flash(_("Your password has been changed. You were signed out everywhere else."), "success")
                return redirect(portal_url(current_portal(), "portal.profile"))
    return _render(password=form, status=400)


@bp.post("/profile/picture")
@customer_required
def profile_picture():
    """Upload a picture: checked by content, shrunk to a small square; the old one is removed."""
    customer = current_customer()
    form = AvatarForm(prefix="avatar")
    upload = request.files.get("avatar-avatar")
    if not form.validate() or upload is None:
        if not form.avatar.errors:
            form.avatar.errors = [_("Choose a picture to upload.")]
        return _render(avatar=form, status=400)
    try:
        key = avatars.store_avatar(upload.read(avatars.MAX_BYTES + 1))
    except avatars.AvatarRefused as exc:
        form.avatar.errors = [str(exc)]
        return _render(avatar=form, status=400)
    old = customer.account.avatar_key
    with unit_of_work() as work:
        customer.account.avatar_key = key
        work.on_rollback(lambda: avatars.delete_avatar(key))
    avatars.delete_avatar(old)
    flash(_("Your picture has been saved."), "success")
    return redirect(portal_url(current_portal(), "portal.profile"))


@bp.get("/profile/picture")
@customer_required
def picture():
    """The signed-in customer's own picture (no one else's can be asked for)."""
    key = current_customer().account.avatar_key
    if not key:
        abort(404)
    return send_stored_file(key, "avatar.png", mimetype="image/png", as_attachment=False)

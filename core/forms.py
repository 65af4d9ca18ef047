"""Forms of the account pages: sign-in and sign-up, the organisation switcher, invitations and member roles."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm, UsernameField

from core.models import Role


class LoginForm(AuthenticationForm):
    """Django's authentication form, with the widget attributes the sign-in page needs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "username", "placeholder": "Username"}
        )
        self.fields["password"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "current-password", "placeholder": "Password"}
        )


class OrganisationSwitchForm(forms.Form):
    """The organisation to work in, and where to go back to afterwards."""

    organisation = forms.IntegerField(min_value=1)
    next = forms.CharField(required=False, max_length=2000)


class InvitationForm(forms.Form):
    """Invite someone: by username (only that account can accept), or leave it empty for a link anyone can use once."""

    username = forms.CharField(
        max_length=150,
        required=False,
        strip=True,
        help_text="Optional. Only this account can accept; it also sees the invitation on its home page. "
        "Leave empty for a link whoever receives it can use once.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "role" else "form-control")
        self.fields["username"].widget.attrs.setdefault("autocomplete", "off")


class SignUpForm(UserCreationForm):
    """A new account to accept an invitation with: username and a password typed twice, validated."""

    class Meta:
        model = get_user_model()
        fields = ("username",)
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

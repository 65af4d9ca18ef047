"""Forms of the account pages: sign-in, the organisation switcher and member administration."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

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


class MemberAddForm(forms.Form):
    """Add a member: an existing user by username, or a new user with a password (entered twice)."""

    username = forms.CharField(max_length=150, strip=True)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)
    email = forms.EmailField(required=False, help_text="For a new user only.")
    password1 = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Only to create a new user; leave empty to add an existing one.",
    )
    password2 = forms.CharField(
        label="Password again",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "role" else "form-control")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

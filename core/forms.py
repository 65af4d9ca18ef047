"""Forms of the account pages: sign-in and the organisation switcher."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


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

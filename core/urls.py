from django.contrib.auth import views as auth_views
from django.urls import path

from core import views
from core.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("organisation/members/", views.members, name="members"),
    path("organisation/members/invite/", views.member_invite, name="member_invite"),
    path("organisation/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:pk>/respond/", views.invitation_respond, name="invitation_respond"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<str:token>/sign-up/", views.invitation_sign_up, name="invitation_sign_up"),
    path("organisation/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("organisation/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
]

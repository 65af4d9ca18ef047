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
    path("organisation/members/add/", views.member_add, name="member_add"),
    path("organisation/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("organisation/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
]

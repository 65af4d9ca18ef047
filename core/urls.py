from django.contrib.auth import views as auth_views
from django.urls import path

from core import views, views_integrations
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
    path("organisation/api-keys/", views_integrations.api_keys, name="api_keys"),
    path("organisation/api-keys/new/", views_integrations.api_key_create, name="api_key_create"),
    path("organisation/api-keys/<str:prefix>/revoke/", views_integrations.api_key_revoke, name="api_key_revoke"),
    path("organisation/webhooks/", views_integrations.webhooks_list, name="webhooks"),
    path("organisation/webhooks/new/", views_integrations.webhook_create, name="webhook_create"),
    path("organisation/webhooks/<int:pk>/", views_integrations.webhook_detail, name="webhook_detail"),
    path("organisation/webhooks/<int:pk>/toggle/", views_integrations.webhook_toggle, name="webhook_toggle"),
    path("organisation/webhooks/<int:pk>/delete/", views_integrations.webhook_delete, name="webhook_delete"),
    path(
        "organisation/webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/",
        views_integrations.webhook_resend,
        name="webhook_resend",
    ),
]

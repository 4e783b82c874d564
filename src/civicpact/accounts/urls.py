from django.urls import path

from civicpact.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("sso/start/", views.sso_start, name="sso-start"),
    path("sso/callback/", views.sso_callback, name="sso-callback"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/backup-codes/", views.two_factor_backup_codes, name="two-factor-backup-codes"),
    path("password/change/", views.password_change, name="password-change"),
    path("password/change/done/", views.password_change_done, name="password-change-done"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("password/reset/sent/", views.password_reset_done, name="password-reset-done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password-reset-confirm"),
    path("password/reset/complete/", views.password_reset_complete, name="password-reset-complete"),
    path("register/", views.supplier_register, name="supplier-register"),
    path("suppliers/", views.supplier_list, name="supplier-list"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier-detail"),
    path("suppliers/<int:pk>/decide/", views.supplier_decide, name="supplier-decide"),
    path("me/", views.account, name="account"),
    path("me/capabilities/", views.capability, name="capability"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("me/tokens/<int:pk>/rotate/", views.token_rotate, name="token-rotate"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/two-factor/reset/", views.two_factor_reset, name="two-factor-reset"),
    path("people/roles/<int:pk>/revoke/", views.membership_revoke, name="membership-revoke"),
]

from django.urls import path

from core.accounts.views import auth, keys, users

urlpatterns = [
    path("auth/token", auth.TokenView.as_view(), name="auth-token"),
    path("auth/login", auth.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", auth.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", auth.MeView.as_view(), name="auth-me"),
    path("auth/me/password", auth.PasswordView.as_view(), name="auth-password"),
    path("auth/users", users.UsersView.as_view(), name="auth-users"),
    path("auth/users/<str:user_id>", users.UserDetailView.as_view(), name="auth-user"),
    path("auth/users/<str:user_id>/role", users.UserRoleView.as_view(), name="auth-user-role"),
    path("api/keys", keys.ApiKeysView.as_view(), name="api-keys"),
    path("api/keys/<str:key_id>", keys.ApiKeyDetailView.as_view(), name="api-key"),
]

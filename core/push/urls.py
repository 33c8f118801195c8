from django.urls import path

from core.push import views

urlpatterns = [
    path("api/push/register", views.PushRegisterView.as_view(), name="push-register"),
    path("api/push/tokens", views.PushTokensView.as_view(), name="push-tokens"),
]

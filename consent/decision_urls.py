"""/<lang>/privacy/consent/: where every cookie choice is posted (the banner, the settings page,
an embed's placeholder). Under /privacy/ as it always was; "consent" is a reserved document slug."""

from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("", views.consent, name="decide"),
]

from django.urls import path

from newsletter import views

app_name = "newsletter"

# Token paths: signed values use letters, digits, '-', '_' and ':' (never '/').
urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("thanks/", views.subscribe_done, name="subscribe_done"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("confirm/<str:token>/new-link/", views.confirm_resend, name="confirm_resend"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/preferences-link/", views.preferences_link, name="preferences_link"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("archive/", views.archive, name="archive"),
    path("archive/<slug:slug>/", views.archive_campaign, name="archive_campaign"),
    path("webhooks/suppressions/", views.suppression_webhook, name="suppression_webhook"),
]

from django.urls import path

from pages import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("legal-notice/", views.legal_notice, name="legal_notice"),
]

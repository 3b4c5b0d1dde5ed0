"""Included under /<lang>/privacy/ after the statement URLs, whose document slugs exclude these."""

from django.urls import path

from datarights import views

app_name = "datarights"

urlpatterns = [
    path("my-data/", views.my_data_start, name="my_data_start"),
    path("my-data/sent/", views.my_data_sent, name="my_data_sent"),
    path("my-data/open/<str:token>/", views.my_data_open, name="my_data_open"),
    path("my-data/view/", views.my_data, name="my_data"),
    path("my-data/download/", views.my_data_download, name="my_data_download"),
    path("my-data/correct/", views.my_data_correct, name="my_data_correct"),
    path("my-data/address/", views.my_data_address, name="my_data_address"),
    path("my-data/address/confirm/<str:token>/", views.address_change_confirm, name="address_change_confirm"),
    path("my-data/erase/", views.my_data_erase, name="my_data_erase"),
    path("my-data/end/", views.my_data_end, name="my_data_end"),
    path("my-data/answer/<str:token>/", views.export_download, name="export_download"),
    path("my-data/stay/<str:token>/", views.stay, name="stay"),
    path("retention/", views.retention_page, name="retention"),
]

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from pages.models import CompanyProfile, KeyFigure


@admin.register(CompanyProfile)
class CompanyProfileAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "city", "email"]
    fieldsets = [
        (_("Identity (printed in every campaign e-mail and on the legal notice)"), {"fields": [
            "legal_name", "legal_form", "enterprise_number", "register_court", "vat_number",
            "street", "street_extra", "postal_code", "city",
        ]}),
        (_("Contact"), {"fields": ["phone", "phone_international", "email", "privacy_email"]}),
        (_("Home page"), {"fields": ["intro_nl", "intro_en"]}),
        (_("Hosting (legal notice, optional)"), {"fields": ["hosting_name", "hosting_address", "hosting_website"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CompanyProfile.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: CompanyProfile | None = None) -> bool:
        return False


@admin.register(KeyFigure)
class KeyFigureAdmin(admin.ModelAdmin):
    list_display = ["label_en", "label_nl", "value", "position"]
    list_editable = ["value", "position"]

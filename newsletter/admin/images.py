"""Campaign images: uploaded, re-encoded without metadata, stored under a name no one can guess."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsletter import selectors
from newsletter.models import CampaignImage
from newsletter.services import images as image_services


class CampaignImageUploadForm(forms.ModelForm):
    upload = forms.FileField(
        label=gettext_lazy("Image"),
        help_text=gettext_lazy(
            "JPEG, PNG, GIF or WebP; not SVG. The image is stored anew without its metadata (such as where a "
            "photo was taken), under an address nobody can guess."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )

    class Meta:
        model = CampaignImage
        fields = ["alt_nl", "alt_en"]

    def clean_upload(self) -> image_services.EncodedImage:
        return image_services.campaign_image_encode(upload=self.cleaned_data["upload"])


@admin.register(CampaignImage)
class CampaignImageAdmin(admin.ModelAdmin):
    """Upload images for campaigns; each image's page shows the Markdown to paste into a campaign."""

    list_display = ["thumbnail", "alt_nl", "alt_en", "dimensions", "created_at"]
    list_display_links = ["thumbnail", "alt_nl"]
    search_fields = ["alt_nl", "alt_en"]
    readonly_fields = ["preview", "snippets", "dimensions", "file_size", "created_at", "created_by"]

    class Media:
        js = ["newsletter/admin-copy.js"]

    def get_fields(self, request: HttpRequest, obj: CampaignImage | None = None) -> list[str]:
        if obj is None:
            return ["upload", "alt_nl", "alt_en"]
        return ["preview", "snippets", "alt_nl", "alt_en", "dimensions", "file_size", "created_at", "created_by"]

    def get_form(self, request: HttpRequest, obj: CampaignImage | None = None, change: bool = False, **kwargs):
        if obj is None:
            kwargs["form"] = CampaignImageUploadForm
        return super().get_form(request, obj, change=change, **kwargs)

    @staticmethod
    def _img(obj: CampaignImage, width: int) -> str:
        width = min(width, obj.width)
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}">',
            obj.file.url, obj.alt(None), width, max(1, round(obj.height * width / obj.width)),
        )

    @admin.display(description=gettext_lazy("image"))
    def thumbnail(self, obj: CampaignImage) -> str:
        return self._img(obj, 120)

    @admin.display(description=gettext_lazy("image"))
    def preview(self, obj: CampaignImage) -> str:
        return self._img(obj, 600)

    @admin.display(description=gettext_lazy("Markdown to paste into a campaign"))
    def snippets(self, obj: CampaignImage) -> str:
        rows = [
            (code, name, image_services.campaign_image_snippet(image=obj, language=code), _("Copy"), _("Copied."))
            for code, name in settings.LANGUAGES
        ]
        return format_html_join(
            "",
            '<p><label for="snippet-{0}">{1}</label><br>'
            '<textarea id="snippet-{0}" rows="2" cols="90" readonly>{2}</textarea> '
            '<button type="button" class="button" data-copy="snippet-{0}" data-status="snippet-{0}-status" '
            'data-done="{4}">{3}</button> <span id="snippet-{0}-status" role="status"></span></p>',
            rows,
        )

    @admin.display(description=gettext_lazy("dimensions"))
    def dimensions(self, obj: CampaignImage) -> str:
        return f"{obj.width} × {obj.height} px"

    @admin.display(description=gettext_lazy("file size"))
    def file_size(self, obj: CampaignImage) -> str:
        return filesizeformat(obj.size)

    def save_model(self, request: HttpRequest, obj: CampaignImage, form, change: bool) -> None:
        if change:  # only the alternative texts: the file never changes (sent e-mails show it)
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user
        image_services.campaign_image_create(image=obj, encoded=form.cleaned_data["upload"])

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for image in objs:
            protected += [
                _("Campaign “%(campaign)s” shows “%(image)s”") % {"campaign": campaign, "image": image}
                for campaign in selectors.campaign_image_campaigns(image=image)
            ]
        return deleted, model_count, perms_needed, protected

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        # A campaign may start showing the image between the confirmation page and the deletion.
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_model(self, request: HttpRequest, obj: CampaignImage) -> None:
        image_services.campaign_image_delete(image=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for image in queryset:
            try:
                image_services.campaign_image_delete(image=image)
            except ValidationError as error:
                self.message_user(request, f"{image}: {' '.join(error.messages)}", messages.ERROR)

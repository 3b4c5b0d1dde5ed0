"""Admin pieces every app shares."""

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Evidence and logs: staff with the view permission may look; nobody adds or changes rows
    here, not even a superuser. Put it before admin.ModelAdmin (or an inline) in the bases.

    Nor may anyone delete, unless the admin sets can_delete = True (as inlines spell it): then
    deleting follows the delete permission as usual.
    """

    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.can_delete and super().has_delete_permission(request, obj)

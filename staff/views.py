from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse


@staff_member_required
def admin_moved(
    request: HttpRequest, app_label: str, model: str, rest: str, new_label: str,
) -> HttpResponsePermanentRedirect:
    """The same admin page under the model's new app (anyone else goes to the admin's sign-in first)."""
    query = request.META.get("QUERY_STRING", "")
    target = f"{reverse('admin:index')}{new_label}/{model}/{rest}"
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)

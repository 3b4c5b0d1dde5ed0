"""Old admin addresses of models that moved to another app (issue 11), for staff bookmarks:
mounted under the admin's own prefix, before the admin itself."""

from django.urls import re_path

from staff.views import admin_moved

# (old app label, model) -> new app label. The rows kept their ids, so every sub-address
# (a change page, a history page, a filtered list) has its counterpart.
MOVED = {
    **{("privacy", model): "consent" for model in
       ("category", "cookie", "registryrevision", "consentrecord", "gpcrefusalday")},
    ("newsletter", "outboxmessage"): "mail",
    ("newsletter", "suppression"): "mail",
}

urlpatterns = [
    re_path(rf"^(?P<app_label>{old})/(?P<model>{model})/(?P<rest>.*)$", admin_moved, {"new_label": new})
    for (old, model), new in MOVED.items()
]

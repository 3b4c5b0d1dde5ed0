"""Staff pages of the admin that belong to no model (the record of processing activities), and
old admin addresses of models that moved to another app (issue 11), for staff bookmarks: mounted
under the admin's own prefix, before the admin itself."""

from django.contrib import admin
from django.urls import path, re_path

from staff.views import admin_moved, processing_record_view

# (old app label, model) -> new app label. The rows kept their ids, so every sub-address
# (a change page, a history page, a filtered list) has its counterpart.
MOVED = {
    **{("privacy", model): "consent" for model in
       ("category", "cookie", "registryrevision", "consentrecord", "gpcrefusalday")},
    ("newsletter", "outboxmessage"): "mail",
    ("newsletter", "suppression"): "mail",
}

urlpatterns = [
    path("processing-record/", admin.site.admin_view(processing_record_view), name="staff_processing_record"),
    *(
        re_path(rf"^(?P<app_label>{old})/(?P<model>{model})/(?P<rest>.*)$", admin_moved, {"new_label": new})
        for (old, model), new in MOVED.items()
    ),
]

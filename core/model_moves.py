"""For migrations that move a model from one app to another without touching its table: its
content type follows, and with it everything that points at the content type."""


def content_type_move(apps, *, model: str, old_app: str, new_app: str) -> None:
    """Relabel the model's content type from `old_app` to `new_app`.

    Permissions hang on the content type, so relabelling in place keeps every permission row,
    what groups and staff members were granted, and the admin's log entries (LogEntry). Where
    both content types exist (Django created the new one after an earlier migrate), the grants
    move to the new type's permissions, the log entries to the new type, and the old type goes.
    `apps` is the migration's state; the migration depends on auth, contenttypes and admin.
    """
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    log_entry_model = apps.get_model("admin", "LogEntry")
    old = content_type_model.objects.filter(app_label=old_app, model=model).first()
    if old is None:
        return
    new = content_type_model.objects.filter(app_label=new_app, model=model).first()
    if new is None:
        old.app_label = new_app
        old.save(update_fields=["app_label"])
        return
    for permission in permission_model.objects.filter(content_type=old):
        twin = permission_model.objects.filter(content_type=new, codename=permission.codename).first()
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        twin.group_set.add(*permission.group_set.all())
        twin.user_set.add(*permission.user_set.all())
        permission.delete()
    # Before the old type goes: its deletion would set their content type to NULL.
    log_entry_model.objects.filter(content_type=old).update(content_type=new)
    old.delete()

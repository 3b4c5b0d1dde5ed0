"""Helpers for migrations that move a model into mail: its content type and permissions follow it."""


def content_type_move(apps, *, model: str, old_app: str, new_app: str) -> None:
    """Relabel the content type, so its permissions (and the groups holding them) follow the model.

    If both exist (permissions were created for both states in one run), the grants move to the
    new type's permissions and the old type goes.
    """
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    old = content_type_model.objects.filter(app_label=old_app, model=model).first()
    if old is None:
        return
    new = content_type_model.objects.filter(app_label=new_app, model=model).first()
    if new is None:
        old.app_label = new_app
        old.save(update_fields=["app_label"])
        return
    for permission in permission_model.objects.filter(content_type=old):
        target, _created = permission_model.objects.get_or_create(
            content_type=new, codename=permission.codename, defaults={"name": permission.name}
        )
        target.group_set.add(*permission.group_set.all())
        target.user_set.add(*permission.user_set.all())
    old.delete()

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"
    verbose_name = "Annotations"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import pre_save

        pre_save.connect(_revoke_tokens_on_password_change, sender=settings.AUTH_USER_MODEL)


def _revoke_tokens_on_password_change(sender, instance, **kwargs):
    """A new password ends every API token of the user. (Other browser sessions end by themselves:
    Django checks each session against a hash of the password.) `_password` is set by set_password()."""
    if instance.pk and getattr(instance, "_password", None) is not None:
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user_id=instance.pk).delete()

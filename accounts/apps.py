from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's e-mail addresses already sit under "Accounts" in the admin.
    verbose_name = "Users"
    default_auto_field = "django.db.models.BigAutoField"

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class CrowdevalUserAdmin(UserAdmin):
    list_display = ("username", "handle", "email", "is_staff", "is_imported", "date_joined")
    search_fields = ("username", "handle", "email")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Crowdeval", {"fields": ("handle", "is_imported")}))
    readonly_fields = ("handle",)

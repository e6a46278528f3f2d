from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import MachineToken, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret"]
    list_filter = ["kind"]
    search_fields = ["name", "siret"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_machine"]
    list_filter = ["is_staff", "is_superuser", "is_active", "is_machine"]
    # Rights that make a superuser are given by superusers only: a coordinator with the
    # user permissions must not raise herself (or anyone) to superuser, nor take over a
    # superuser's account by changing its password.
    ESCALATING_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [f for f in self.ESCALATING_FIELDS if f not in fields]
        return fields


@admin.register(MachineToken)
class MachineTokenAdmin(admin.ModelAdmin):
    list_display = ["label", "workshop", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["workshop"]
    readonly_fields = ["key_prefix", "user", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # Keys are created with `manage.py create_machine_token`, which shows the key once.
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from django.utils import timezone

        # Only the tokens the user may see, whatever the selection posted.
        n = (
            queryset.visible_to(request.user)
            .filter(revoked_at__isnull=True)
            .update(revoked_at=timezone.now())
        )
        self.message_user(
            request,
            ngettext("%(n)s token revoked.", "%(n)s tokens revoked.", n) % {"n": n},
            messages.SUCCESS,
        )

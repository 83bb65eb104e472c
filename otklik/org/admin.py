from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from otklik.org.models import Block, Department, RoleAssignment, Topic, User


class SubtopicInline(admin.TabularInline):
    model = Topic
    fields = ("code", "name", "order", "is_active")
    extra = 0
    verbose_name = "подтема"
    verbose_name_plural = "подтемы"


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "is_significant", "is_active", "order")
    list_filter = ("is_significant", "is_active", "parent")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    inlines = [SubtopicInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "municipality", "is_active")
    list_filter = ("municipality", "kind", "is_active")
    search_fields = ("name", "short_name", "code")


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality", "owner", "department", "answer_review_required")
    list_filter = ("municipality", "answer_review_required")
    filter_horizontal = ("topics",)
    list_select_related = ("municipality", "owner", "department")


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    fields = ("role", "municipality", "block", "department")
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "patronymic", "position", "is_active")
    search_fields = ("username", "last_name", "first_name", "email")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Должность", {"fields": ("patronymic", "position", "phone")}),
    )
    inlines = [RoleInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "municipality", "block", "department")
    list_filter = ("role", "municipality")
    list_select_related = ("user", "municipality", "block", "department")

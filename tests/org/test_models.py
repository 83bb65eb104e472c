import pytest
from django.core.exceptions import ValidationError

from otklik.org.models import TOPIC_CODES, Role, RoleAssignment, Topic
from otklik.org.services import read_topic_tree, sync_topics
from tests.factories import BlockFactory, DepartmentFactory, MunicipalityFactory, UserFactory


@pytest.mark.django_db
def test_migrations_install_the_topic_tree_with_stable_codes():
    top = list(Topic.objects.filter(parent__isnull=True).values_list("code", flat=True))
    assert sorted(top) == sorted(TOPIC_CODES)
    assert set(
        Topic.objects.filter(is_significant=True, parent__isnull=True).values_list("code", flat=True)
    ) == {
        "health",
        "housing",
        "waste",
        "energy",
        "education",
        "roads",
        "transport",
        "social",
    }


@pytest.mark.django_db
def test_every_topic_has_subtopics_under_its_own_code():
    for parent in Topic.objects.filter(parent__isnull=True):
        subs = list(parent.subtopics.all())
        assert subs, parent.code
        assert all(s.code.startswith(parent.code + ".") for s in subs)


@pytest.mark.django_db
def test_sync_topics_is_idempotent_and_keeps_administrators_edits():
    housing = Topic.objects.get(code="housing")
    housing.name = "ЖКХ"
    housing.save()
    result = sync_topics()
    assert result["created"] == 0
    expected = sum(1 + len(node["subtopics"]) for node in read_topic_tree())
    assert result["total"] == expected == Topic.objects.count()
    assert Topic.objects.get(code="housing").name == "ЖКХ"


@pytest.mark.django_db
def test_sync_topics_restores_a_missing_subtopic():
    Topic.objects.filter(code="waste.dumps").delete()
    assert sync_topics()["created"] == 1
    assert Topic.objects.get(code="waste.dumps").parent.code == "waste"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "parent_code", "field"),
    [
        ("roads.x", None, "code"),  # top level with a dot
        ("heating", "housing", "code"),  # subtopic not under parent's code
        ("housing.heating.night", "housing.heating", "parent"),  # third level
        ("Housing", None, "code"),  # capital letters
    ],
)
def test_topic_codes_are_validated(code, parent_code, field):
    parent = Topic.objects.get(code=parent_code) if parent_code else None
    topic = Topic(code=code, name="x", parent=parent)
    with pytest.raises(ValidationError) as exc:
        topic.full_clean()
    assert field in exc.value.message_dict


@pytest.mark.django_db
def test_user_names_render_in_document_form():
    user = UserFactory(last_name="Быкова", first_name="Анна", patronymic="Валерьевна")
    assert user.full_name == "Быкова Анна Валерьевна"
    assert user.short_name == "Быкова А. В."


@pytest.mark.real_hashers
@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = UserFactory()
    assert user.password.startswith("argon2")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "region_wide", "with_block", "with_department", "error_field"),
    [
        (Role.BLOCK_OWNER, False, False, False, "block"),
        (Role.SPECIALIST, False, False, False, "department"),
        (Role.SPECIALIST, True, False, True, "municipality"),
        (Role.INCIDENT_OFFICER, True, False, False, "municipality"),
        (Role.OBSERVER, True, False, False, None),
        (Role.HEAD, False, False, False, None),
        (Role.BLOCK_OWNER, False, True, False, None),
        (Role.SPECIALIST, False, False, True, None),
    ],
)
def test_role_assignment_scope_rules(role, region_wide, with_block, with_department, error_field):
    muni = MunicipalityFactory()
    assignment = RoleAssignment(
        user=UserFactory(),
        role=role,
        municipality=None if region_wide else muni,
        block=BlockFactory(municipality=muni) if with_block else None,
        department=DepartmentFactory(municipality=muni) if with_department else None,
    )
    if error_field is None:
        assignment.full_clean()
    else:
        with pytest.raises(ValidationError) as exc:
            assignment.full_clean()
        assert error_field in exc.value.message_dict


@pytest.mark.django_db
def test_role_block_must_belong_to_the_same_municipality():
    assignment = RoleAssignment(
        user=UserFactory(), role=Role.BLOCK_OWNER, municipality=MunicipalityFactory(), block=BlockFactory()
    )
    with pytest.raises(ValidationError, match="другому муниципальному"):
        assignment.full_clean()

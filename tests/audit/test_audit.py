import pytest

from otklik.audit.models import AuditError, AuditEvent
from otklik.audit.services import record
from tests.factories import MunicipalityFactory, UserFactory


@pytest.mark.django_db
def test_record_stores_actor_object_and_states():
    user = UserFactory()
    muni = MunicipalityFactory()
    event = record("municipality.update", actor=user, obj=muni, before={"a": 1}, after={"a": 2})
    event.refresh_from_db()
    assert (event.actor, event.actor_label, event.object_type, event.object_id) == (
        user,
        user.username,
        "territory.municipality",
        str(muni.pk),
    )
    assert event.before == {"a": 1} and event.after == {"a": 2}


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted_through_the_model():
    event = record("x", actor_label="система")
    event.action = "y"
    with pytest.raises(AuditError):
        event.save()
    with pytest.raises(AuditError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x"


@pytest.mark.django_db
def test_anonymous_actor_is_recorded_as_the_system():
    assert record("x").actor_label == "система"

"""Optimistic locking: the second of two concurrent edits gets a conflict, and the first edit is kept."""

import pytest

from anchors.models import AnchorInstitution
from core.models import StaleEdit
from tests.factories import AnchorFactory

pytestmark = pytest.mark.django_db


def test_the_second_edit_of_the_same_revision_is_refused_and_the_first_kept():
    anchor = AnchorFactory(name="MIT", staff=1000)
    first = AnchorInstitution.objects.get(pk=anchor.pk)
    second = AnchorInstitution.objects.get(pk=anchor.pk)
    first.staff = 16000
    first.save_revision(first.revision)
    second.staff = 12
    with pytest.raises(StaleEdit, match="changed by someone else"):
        second.save_revision(second.revision)
    stored = AnchorInstitution.objects.get(pk=anchor.pk)
    assert stored.staff == 16000 and stored.revision == 2


def test_a_save_at_the_current_revision_goes_through_and_counts():
    anchor = AnchorFactory(name="Broad Institute")
    anchor.name = "Broad Institute of MIT and Harvard"
    anchor.save_revision(1, update_fields=["name"])
    anchor.save_revision(2, update_fields=["name"])
    stored = AnchorInstitution.objects.get(pk=anchor.pk)
    assert stored.revision == 3 and stored.name == "Broad Institute of MIT and Harvard"


def test_each_saved_revision_is_in_the_history_with_its_author():
    from django.contrib.auth import get_user_model

    anchor = AnchorFactory(name="Harvard")
    editor = get_user_model().objects.create(username="editor")
    anchor._history_user = editor
    anchor.staff = 20000
    anchor.save_revision(1)
    latest = anchor.history.first()
    assert latest.staff == 20000 and latest.revision == 2 and latest.history_user == editor
    assert anchor.history.count() == 2


def test_changing_an_anchors_clusters_is_in_its_history():
    from clusters.models import ClusterDefinition

    anchor = AnchorFactory(name="Moderna")
    biopharma = ClusterDefinition.objects.get(kind="benchmark", code="5")
    anchor.clusters.set([biopharma])
    latest = anchor.history.first()
    assert [c.clusterdefinition_id for c in latest.clusters.all()] == [biopharma.pk]
    delta = latest.diff_against(anchor.history.last())
    assert "clusters" in delta.changed_fields

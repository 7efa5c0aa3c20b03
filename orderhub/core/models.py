"""Abstract bases shared by the apps, and the flags of coalesced background jobs."""
from django.db import models
from django_fsm import FSMFieldMixin, FSMModelMixin
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class StateKeepingQuerySet(models.QuerySet):
    """``only()`` and ``defer()`` that always read the state fields.

    ``ConcurrentTransitionMixin`` notes each instance's state when it is built (a save checks
    it is unchanged): a state left out of the query would be fetched row by row, one query per
    instance, which a batch reading a few columns of hundreds of orders does not expect."""

    def _state_fields(self) -> list[str]:
        return [field.name for field in self.model._meta.concrete_fields
                if isinstance(field, FSMFieldMixin)]

    def only(self, *fields):
        return super().only(*fields, *[name for name in self._state_fields()
                                       if name not in fields])

    def defer(self, *fields):
        if fields == (None,):
            return super().defer(None)
        states = self._state_fields()
        return super().defer(*[name for name in fields if name not in states])


class FSMSafeRefreshMixin(models.Model):
    """``refresh_from_db`` for models with protected FSM fields, safe under threads.

    django-fsm-2's ``FSMModelMixin.refresh_from_db`` switches the field's ``protected`` flag
    off and on again for the whole class while it reloads, so two threads refreshing at once
    (a threaded web server, the concurrency tests) can see "Direct status modification is not
    allowed". Instead, this forgets the instance's own state values before reloading them: the
    descriptor only refuses to overwrite a state that is already set. Put it after
    ``ConcurrentTransitionMixin`` and before ``FSMModelMixin`` in the bases.

    Its manager reads the state fields whatever ``only()`` or ``defer()`` leaves out
    (:class:`StateKeepingQuerySet`).
    """

    objects = StateKeepingQuerySet.as_manager()

    class Meta:
        abstract = True

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        for field in self._meta.concrete_fields:
            reloaded = fields is None or field.name in fields or field.attname in fields
            if isinstance(field, FSMFieldMixin) and field.protected and reloaded:
                self.__dict__.pop(field.attname, None)
        # Skip FSMModelMixin's class-wide toggle; Django's own refresh does the rest.
        super(FSMModelMixin, self).refresh_from_db(
            using=using, fields=fields, from_queryset=from_queryset
        )


class QueuedRun(models.Model):
    """A background job of which one queued run is enough: whether a run is queued and has not
    started yet (``orderhub.core.tasks.enqueue_coalesced``)."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queued run")
        verbose_name_plural = _("queued runs")

    def __str__(self) -> str:
        return self.name

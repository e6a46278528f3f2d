"""Thin Celery tasks of the shared job machinery."""

from celery import shared_task

from . import jobs


# The name is kept from before the move: the beat schedule in the database refers to it.
@shared_task(name="inventory.tasks.jobs_sweep_task", acks_late=True)
def jobs_sweep_task() -> dict:
    """Beat, every 5 minutes: publish delayed jobs again, fail the stuck ones with a reason."""
    return jobs.jobs_sweep()

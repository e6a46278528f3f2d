"""Every task of the code goes to a queue of its kind (settings.CELERY_TASK_ROUTES,
docs/scaling.md), and that queue is one the workers consume."""

from django.conf import settings

from config.celery import app

PROJECT_APPS = {name for name in settings.INSTALLED_APPS if "." not in name}


def project_tasks() -> dict:
    app.loader.import_default_modules()  # what a worker does at start: every app's tasks
    return {
        name: task
        for name, task in app.tasks.items()
        if task.__module__.split(".")[0] in PROJECT_APPS
    }


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_the_project_tasks_are_found():
    tasks = project_tasks()
    # One per tasks module at least: autodiscovery found them all.
    modules = {task.__module__ for task in tasks.values()}
    assert modules == {
        "core.tasks",
        "inventory.tasks",
        "reconditioning.tasks",
        "beneficiaries.tasks",
        "reports.tasks",
        "notices.tasks",
        "maps.tasks",
    }
    assert len(tasks) == 16


def test_every_task_is_routed_to_a_known_queue():
    unrouted = sorted(set(project_tasks()) - set(settings.CELERY_TASK_ROUTES))
    assert not unrouted, f"add these tasks to CELERY_TASK_ROUTES: {unrouted}"
    stale = sorted(set(settings.CELERY_TASK_ROUTES) - set(project_tasks()))
    assert not stale, f"routes for tasks that no longer exist: {stale}"
    for name in project_tasks():
        assert queue_of(name) in settings.FILIERE_WORKER_QUEUES, name
    assert settings.CELERY_TASK_DEFAULT_QUEUE in settings.FILIERE_WORKER_QUEUES


def test_a_long_certificate_and_an_import_never_share_a_queue():
    assert queue_of("inventory.tasks.report_job_task") == "pdf"
    assert queue_of("inventory.tasks.import_job_run_task") == "imports"
    assert queue_of("inventory.tasks.import_job_analyse_task") == "imports"
    assert queue_of("reconditioning.tasks.bulk_step_job_task") == "imports"
    assert queue_of("notices.tasks.send_notice_mail") == "mail"
    assert queue_of("inventory.tasks.jobs_sweep_task") == "default"
    # A task sent without a route (a third-party one) lands where a worker listens.
    assert queue_of("celery.backend_cleanup") == "default"

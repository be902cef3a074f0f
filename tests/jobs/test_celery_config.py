"""The Celery configuration the issue asks for, read from the app the workers run."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from debt_coord.bootstrap import job_wiring
from debt_coord.jobs.celery_app import QUEUE, RUN_JOB_TASK, SOLVER_MAX_SECONDS, make_celery
from debt_coord.jobs.dispatch import CeleryDispatcher, InProcessDispatcher, make_dispatcher
from debt_coord.kernel.settings import Settings
from solver.models import Policy


def test_delivery_is_at_least_once_and_one_message_at_a_time() -> None:
    app = make_celery(Settings(redis_url="redis://127.0.0.1:6379/14"))
    try:
        conf, task = app.conf, app.tasks[RUN_JOB_TASK]
        assert conf.broker_url == conf.result_backend == "redis://127.0.0.1:6379/14"
        assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
        assert task.acks_late and task.reject_on_worker_lost
        assert OperationalError in task.autoretry_for and task.retry_backoff and task.max_retries
        assert conf.task_default_queue == QUEUE
    finally:
        app.close()


def test_time_limits_sit_above_the_solver_and_well_below_the_visibility_timeout() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6379/14")
    app = make_celery(settings)
    try:
        task = app.tasks[RUN_JOB_TASK]
        visibility = app.conf.broker_transport_options["visibility_timeout"]
        assert app.conf.result_backend_transport_options["visibility_timeout"] == visibility
        solver_limit = Policy.model_fields["time_limit_seconds"].metadata
        assert any(getattr(m, "le", None) == SOLVER_MAX_SECONDS for m in solver_limit), "the solver's own maximum"
        assert SOLVER_MAX_SECONDS < task.soft_time_limit < task.time_limit <= visibility / 2
    finally:
        app.close()
    with pytest.raises(ValidationError, match="twice"):
        Settings(job_hard_time_limit_seconds=2000, redis_visibility_timeout_seconds=3600)
    with pytest.raises(ValidationError, match="below"):
        Settings(job_soft_time_limit_seconds=800, job_hard_time_limit_seconds=700)


def test_the_dispatcher_follows_the_settings() -> None:
    embedded = make_dispatcher(Settings(database_url="sqlite:///:memory:"), job_wiring())
    assert isinstance(embedded, InProcessDispatcher) and not embedded.threads, "nothing starts before start()"
    embedded.close()
    celery = make_dispatcher(Settings(redis_url="redis://127.0.0.1:6379/14"), job_wiring())
    assert isinstance(celery, CeleryDispatcher)
    celery.close()

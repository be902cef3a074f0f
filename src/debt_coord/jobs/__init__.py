"""Jobs: long work (solving plans) as rows first, broker messages second.

- `enqueue(session, kind=..., payload=..., actor=..., case_id=...)` adds a queued job to the
  caller's transaction; after the commit, `dispatcher.dispatch(job.id)` sends it.
- `debt_coord.jobs.dispatch.make_dispatcher(settings)`: Celery on Redis with
  DEBT_COORD_REDIS_URL, otherwise a thread pool of this process (the embedded default).
- `debt_coord.jobs.runner.run_job(job_id, settings)`: claims the job, runs its handler and
  commits the handler's writes with the job's success in one transaction.
- `debt_coord.jobs.celery_app`: the Celery app, its task and the worker's sweeper.
"""

from debt_coord.jobs.registry import Handler, register
from debt_coord.jobs.store import enqueue, problem

__all__ = ["Handler", "enqueue", "problem", "register"]

"""Jobs: long work (solving plans) as rows first, broker messages second.

- `store.enqueue(uow, kind=..., payload=..., actor=..., case_id=...)` adds a queued job to the
  caller's unit of work; once that commits, the bus sends it (the JOB_QUEUED event, wired in bootstrap).
- `dispatch.make_dispatcher(settings, wiring)`: Celery on Redis with DEBT_COORD_REDIS_URL,
  otherwise a thread pool of this process (the embedded default).
- `runner.run_job(job_id, settings, wiring)`: claims the job, runs its handler and commits the
  handler's writes with the job's success in one transaction.
- `celery_app.make_celery(settings, wiring)`: the Celery app, its task and the worker's sweeper.
Which handler does which kind of job is said once, in `debt_coord.bootstrap`.
"""

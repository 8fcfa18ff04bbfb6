"""Scale-out on Celery + Redis: stateless API replicas and worker processes on any machine.

Used only by ``photograph serve --broker URL`` and ``photograph worker`` (the ``cluster``
extra); the default paths never import this package, Celery or redis-py.

- :mod:`.config` — the broker URL, the Celery app (JSON only, late acks, queues, limits);
- :mod:`.codec` — a compose :class:`~composer.pipeline.Request` as JSON;
- :mod:`.store` — the job records in Redis (status, stage, progress, attempts, errors);
- :mod:`.jobs` — the API side: the web app's job queue, backed by Redis and Celery;
- :mod:`.tasks` — the worker side: one compose task, idempotent saving;
- :mod:`.commands` — ``photograph serve --broker`` and ``photograph worker``.
"""

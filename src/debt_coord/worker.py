"""The worker's Celery app, as bootstrap wires it: `celery -A debt_coord.worker inspect ping`.

`debt-coord worker` (debt_coord.worker_command) starts a worker on it.
"""

from __future__ import annotations

from debt_coord.bootstrap import worker_app
from debt_coord.kernel.settings import get_settings

app = worker_app(get_settings())

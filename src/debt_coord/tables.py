"""Every area's tables in one metadata: what Alembic compares against and what tests empty."""

from __future__ import annotations

from advanced_alchemy.base import UUIDv7AuditBase

from debt_coord.audit import models as audit_models
from debt_coord.cases import models as case_models
from debt_coord.creditor_links import models as creditor_link_models
from debt_coord.debtor import models as debtor_models
from debt_coord.jobs import models as job_models
from debt_coord.kernel import idempotency
from debt_coord.messages import models as message_models
from debt_coord.money_in import models as money_in_models
from debt_coord.money_in.statements import models as statement_models
from debt_coord.negotiation import models as negotiation_models
from debt_coord.organisations import models as organisation_models
from debt_coord.payouts import models as payout_models
from debt_coord.planning import models as planning_models
from debt_coord.webhooks import models as webhook_models
from debt_coord.workspace import models as workspace_models

AREAS = (audit_models, case_models, creditor_link_models, debtor_models, job_models, idempotency, message_models,
         money_in_models, negotiation_models, organisation_models, payout_models, planning_models, statement_models,
         webhook_models, workspace_models)
metadata = UUIDv7AuditBase.metadata

__all__ = ["AREAS", "UUIDv7AuditBase", "metadata"]

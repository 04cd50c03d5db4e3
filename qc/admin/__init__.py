"""QC's admin: checklists, inspections and the inspectors' queue, sign-offs; via services."""

from qc.admin import checklists, inspections, signoffs

__all__ = ["checklists", "inspections", "signoffs"]

"""Who may do what in quality control's inspections: the one place their roles are named."""

from config.roles import Role

READ = frozenset(Role.values)
# Deciding an attempt (accept, reject) and recording what it is decided on (readings, evidence).
INSPECT = frozenset({Role.QC_INSPECTOR, Role.ADMIN})
# Who hears that a task was rejected too often.
ESCALATE_TO = frozenset({Role.ADMIN})

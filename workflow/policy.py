"""Who may do what in the workflow: the one place its roles are named."""

from config.roles import Role

READ = frozenset(Role.values)
# Templates, projects and deliverables.
MANAGE = frozenset({Role.ADMIN})
# Task actions, and who a task can be assigned to.
WORK = frozenset({Role.ADMIN, Role.AGENT})
ASSIGNABLE = frozenset({Role.ADMIN, Role.AGENT, Role.QC_INSPECTOR})
# Reopening finished work and cancelling undo others' work: admins only.
UNDO = frozenset({Role.ADMIN})

"""Who may do what in the helpdesk: the one place its roles are named."""

from config.roles import Role

READ = frozenset(Role.values)
WORK = frozenset({Role.ADMIN, Role.AGENT})
# Open tickets, comment and attach: everyone but viewers.
CONTRIBUTE = READ - {Role.VIEWER}
CANCEL = frozenset({Role.ADMIN})
# Who a ticket can be assigned to; whose public comment is the first response.
ASSIGNABLE = WORK
RESPONDERS = WORK

"""Who may do what with checklists: the one place their roles are named."""

from config.roles import Role

READ = frozenset(Role.values)
# Checklists say what passes an inspection: only admins define them.
MANAGE = frozenset({Role.ADMIN})

"""The workflow's admin: every page scoped to the staff's organizations, every write a service call.

Split by concern: process templates and their versions, projects, deliverables, tasks and
allocations.
"""

from workflow.admin import allocations, deliverables, projects, tasks, templates

__all__ = ["allocations", "deliverables", "projects", "tasks", "templates"]

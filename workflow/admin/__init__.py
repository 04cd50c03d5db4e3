"""The workflow's admin: every page scoped to the staff's organizations, every write a service call.

Split by concern: process templates and their versions, projects and deliverables, tasks.
"""

from workflow.admin import projects, tasks, templates

__all__ = ["projects", "tasks", "templates"]

from config.api import problem_types as types
from config.api.problems import ApplicationError


class InvalidAssignee(ApplicationError):
    problem_type = types.VALIDATION_ERROR

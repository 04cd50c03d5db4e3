from config.api import problem_types as types
from config.api.problems import ApplicationError

TASK_BLOCKED = types.register(
    types.ProblemType(
        "task-blocked",
        409,
        "The task is waiting for other tasks",
        "A task can be started only when every task it depends on is done. `blockers` lists the "
        "tasks it still waits for, with their status.",
        "Finish or cancel the tasks named in `blockers` first; the task then becomes `ready`.",
    )
)


class TaskBlocked(ApplicationError):
    problem_type = TASK_BLOCKED


class InvalidAssignee(ApplicationError):
    problem_type = types.VALIDATION_ERROR

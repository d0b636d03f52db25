"""The control plane's database: tables, migrations, and one repository per aggregate.

`Database.open(url)` (engine.py) migrates and connects; the repositories (agents, sessions
with their events, tasks, toolservers with their tools, feedback, usage, resources,
memories, files) each
take the `Database` and return the records of records.py. Routes use repositories only;
nothing outside this package writes SQL. `Repositories` bundles them for the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from bosun.server.db.agents import AgentsRepo
from bosun.server.db.audit import AuditRepo
from bosun.server.db.engine import Database
from bosun.server.db.feedback import FeedbackRepo
from bosun.server.db.files import FilesRepo
from bosun.server.db.memories import MemoriesRepo
from bosun.server.db.resources import ResourcesRepo
from bosun.server.db.sessions import SessionsRepo
from bosun.server.db.tasks import TasksRepo
from bosun.server.db.toolservers import ToolServersRepo
from bosun.server.db.usage import UsageRepo


@dataclass(frozen=True)
class Repositories:
    agents: AgentsRepo
    sessions: SessionsRepo
    tasks: TasksRepo
    toolservers: ToolServersRepo
    feedback: FeedbackRepo
    usage: UsageRepo
    resources: ResourcesRepo
    audit: AuditRepo
    memories: MemoriesRepo
    files: FilesRepo

    @classmethod
    def of(cls, db: Database) -> Repositories:
        return cls(
            agents=AgentsRepo(db),
            sessions=SessionsRepo(db),
            tasks=TasksRepo(db),
            toolservers=ToolServersRepo(db),
            feedback=FeedbackRepo(db),
            usage=UsageRepo(db),
            resources=ResourcesRepo(db),
            audit=AuditRepo(db),
            memories=MemoriesRepo(db),
            files=FilesRepo(db),
        )


__all__ = ["Database", "Repositories"]

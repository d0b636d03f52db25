"""The built-in `ask_user` tool: the model asks the user structured questions and waits.

The call is deferred (a pydantic-ai CallDeferred of kind 'question'), so the turn pauses
exactly like an approval: the task goes to `input-required` listing the questions, and
the user's answers come back on the same task (see bosun.runtime.protocol for the shapes)
as the tool's result.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic_ai.exceptions import CallDeferred
from pydantic_ai.toolsets import FunctionToolset

ASK_USER = "ask_user"


class Question(BaseModel):
    question: str = Field(description="The question, in one or two sentences.")
    choices: list[str] = Field(
        default_factory=list, description="Allowed answers; empty for a free-text answer."
    )
    multiple: bool = Field(default=False, description="Whether several choices may be picked.")


def ask_user(questions: list[Question]) -> str:
    """Ask the user one or more questions and wait for the answers.

    Use it when you cannot continue without information or a choice only the user has.
    Do not use it to ask for permission to run a tool: that is handled for you.
    """
    raise CallDeferred(metadata={"questions": [q.model_dump() for q in questions]}, kind="question")


def ask_user_toolset() -> FunctionToolset[Any]:
    return FunctionToolset([ask_user])


def answer_text(questions: list[dict[str, Any]], answer: str | list[str]) -> str:
    """The tool result the model reads: each question with the user's answer."""
    answers = [answer] if isinstance(answer, str) else list(answer)
    if len(questions) <= 1:
        return "; ".join(answers) if answers else "(no answer)"
    lines = []
    for index, question in enumerate(questions):
        value = answers[index] if index < len(answers) else "(no answer)"
        lines.append(f"{question.get('question', f'question {index + 1}')}: {value}")
    return "\n".join(lines)

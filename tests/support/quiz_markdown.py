"""A module whose knowledge check has inline Markdown in every text of every question type."""

from __future__ import annotations

__all__ = ["MARKDOWN_QUIZ_MODULE"]

# A module whose knowledge check has every question type with inline Markdown in every text:
# code, emphasis, strong, strikethrough, links (to the web, to a heading, to a file) and
# things the sanitizer must remove. Its objective's id is `explain-widgets`.
MARKDOWN_QUIZ_MODULE = """\
---
id: one
title: Module one
summary: The first module.
objectives:
  - id: explain-widgets
    text: Explain widgets and gadgets.
quiz:
  passing_score: 100
  attempts: 2
  questions:
    - id: md-single
      type: single-choice
      prompt: "Which type is *exact*? See [Widgets](#widgets-and-gadgets) and [the docs](https://example.org/docs)."
      objectives: [explain-widgets]
      choices:
        - text: "`NUMERIC`"
          correct: true
          feedback: "Yes: `NUMERIC` is **exact**."
        - text: "~~`FLOAT`~~ `REAL`"
          feedback: "No: see [floating point](https://example.org/float)."
      feedback:
        correct: "Right, *exactly*."
        incorrect: "Wrong <script>window.pwned = 1</script>, [click](javascript:window.pwned=2)"
    - id: md-multiple
      type: multiple-response
      prompt: "Which are **keys** of `order_line`?"
      objectives: [explain-widgets]
      choices:
        - text: "`order_id`"
          correct: true
        - text: "`line_no`"
          correct: true
        - text: "*none*"
          feedback: "`order_line` has a *composite* key."
      feedback:
        incorrect: "Read [the handout](../assets/handout.pdf) again."
    - id: md-true-false
      type: true-false
      prompt: "`NULL = NULL` is *true*."
      objectives: [explain-widgets]
      answer: false
      feedback:
        correct: "Right: it is `UNKNOWN`."
        incorrect: "It is `UNKNOWN`, never *true*."
    - id: md-matching
      type: matching
      prompt: "Match each `JOIN` with what it keeps."
      objectives: [explain-widgets]
      pairs:
        - left: "`INNER JOIN`"
          right: "only *matching* rows"
        - left: "`LEFT JOIN`"
          right: "**every** left row"
      feedback:
        incorrect: "Compare `INNER` and `LEFT`."
    - id: md-ordering
      type: ordering
      prompt: "Put the clauses of a `SELECT` in the order they are *written*."
      objectives: [explain-widgets]
      items:
        - "`SELECT`"
        - "`FROM`"
        - "`WHERE`"
      feedback:
        correct: "`SELECT` … `FROM` … `WHERE`."
    - id: md-short-text
      type: short-text
      prompt: "Which keyword completes `ON DELETE ____`?"
      objectives: [explain-widgets]
      accept: [CASCADE]
      feedback:
        correct: "`ON DELETE CASCADE` deletes the lines too."
        incorrect: "The answer is `CASCADE`."
---
## Widgets and gadgets

Widgets and gadgets are explained here.
"""

"""The ad-hoc gate on the labelled answers: each bank question graded as an ad-hoc one (question,
reference and key points given) with the bank indexed, as `interview-sim grade --question` does.

    .venv/bin/python scripts/adhoc_gate.py      # prints, per kind of answer, how many were not graded
"""

from pathlib import Path

from simulator.bank import adhoc_question
from simulator.engine import Engine
from simulator.evaluation.points import ANSWER_KINDS, read_labelled

engine = Engine()
engine.ensure_indexed()
questions, answers, kinds = [], [], []
for item in read_labelled(Path(__file__).parents[1] / "tests" / "data" / "points", engine.corpus):
    q = engine.corpus.get(item.question_id)
    asked = adhoc_question(q.prompt, q.reference_answer, [k.text for k in q.key_points])
    for answer in item.answers:
        questions.append(asked)
        answers.append(answer.text)
        kinds.append(answer.kind)
judgements = engine.adhoc_judge.judge_many(questions, answers)
for kind in ANSWER_KINDS:
    mine = [j for j, k in zip(judgements, kinds) if k == kind]
    print(f"{kind:<10} {len(mine):>4} answers, {sum(not j.valid for j in mine):>3} not graded")

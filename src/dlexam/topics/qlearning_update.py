"""qlearning.update — one tabular Q-learning update after a single transition (s, a, r, s').

Convention: Q is a table with one row per state and one column per action, indices from 0.
After taking action a in state s, receiving reward r and landing in s', Q-learning moves
Q(s, a) toward the target r + γ·max_a' Q(s', a'):  Q(s, a) ← Q(s, a) + α·(target − Q(s, a)).
The max uses the table *before* the update (it matters when s' = s). With `terminal: true`
the episode ended at s' and the target is r alone (no bootstrap). Every other entry stays
as it was; the part `new_q` is the whole updated table.

Hand-computable promise (seeded variants): a 2–4 × 2–3 table of small integers, an integer
reward, α ∈ {0.1, 0.2, 0.25, 0.5}, γ ∈ {0.5, 0.8, 0.9, 1}; the updated entry has at most
3 decimals. Some draws end the episode or loop back to the same state.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params

ID = "qlearning.update"
TITLE = "A Q-learning update"
PARAMS: dict[str, Any] = {"Q": REQUIRED, "s": REQUIRED, "a": REQUIRED, "r": REQUIRED, "s_next": REQUIRED,
                          "alpha": REQUIRED, "gamma": REQUIRED, "terminal": False}
DECIMALS = 3

MAX_STATES = 32
MAX_ACTIONS = 16


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    value = p.raw.get("Q")
    if isinstance(value, list) and (len(value) > MAX_STATES or any(
            isinstance(row, list) and len(row) > MAX_ACTIONS for row in value)):
        raise p.fail("Q", f"a table of at most {MAX_STATES} states × {MAX_ACTIONS} actions (a list of rows)")
    q = p.matrix("Q")
    states, actions = len(q), len(q[0])
    s = p.integer("s", lo=0, hi=states - 1)
    a = p.integer("a", lo=0, hi=actions - 1)
    r = p.number("r")
    s_next = p.integer("s_next", lo=0, hi=states - 1)
    alpha = p.number("alpha", lo=0, hi=1, lo_open=True)
    gamma = p.number("gamma", lo=0, hi=1)
    terminal = p.boolean("terminal", False)

    best = max(q[s_next])
    target = r if terminal else r + gamma * best
    delta = target - q[s][a]
    new = q[s][a] + alpha * delta
    table = [list(row) for row in q]
    table[s][a] = new
    part = Part("new_q", "matrix", answer(table), 3,
                "The whole Q table after the update (one row per state, one column per action)")
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(q, s, a, r, s_next, alpha, gamma, terminal), parts=(part,),
        solution=_solution(q, s, a, r, s_next, alpha, gamma, terminal, best, target, delta, new, table),
    )


def _prompt(q: list[list[Fraction]], s: int, a: int, r: Fraction, s_next: int, alpha: Fraction,
            gamma: Fraction, terminal: bool) -> str:
    end = (f" State {s_next} is terminal: the episode ends there." if terminal else "")
    return "\n".join([
        f"An agent learns with tabular Q-learning. Its current table (row = state, column = action, "
        f"both counted from 0) is $Q = {tex.vec(q)}$.",
        "",
        f"In state $s = {s}$ it takes action $a = {a}$, receives the reward $r = {tex.num(r)}$ and moves "
        f"to state $s' = {s_next}$.{end} The learning rate is $\\alpha = {tex.num(alpha)}$ and the "
        f"discount factor $\\gamma = {tex.num(gamma)}$.",
        "",
        r"Apply one Q-learning update, $Q(s, a) \leftarrow Q(s, a) + \alpha\,\bigl(r + \gamma \max_{a'} "
        r"Q(s', a') - Q(s, a)\bigr)$ (with target $r$ alone if $s'$ is terminal), and give the whole "
        "updated table.",
    ])


def _solution(q: list[list[Fraction]], s: int, a: int, r: Fraction, s_next: int, alpha: Fraction,
              gamma: Fraction, terminal: bool, best: Fraction, target: Fraction, delta: Fraction,
              new: Fraction, table: list[list[Fraction]]) -> tuple[Step, ...]:
    old = q[s][a]
    row = ", ".join(tex.num(v, approx=False) for v in q[s_next])
    arg = [i for i, v in enumerate(q[s_next]) if v == best]
    steps = []
    if terminal:
        steps.append(Step("Target", rf"State $s' = {s_next}$ is terminal, so there is no future value "
                                    r"to bootstrap from: the target is the reward alone, "
                                    rf"$y = r = {tex.num(r)}$."))
    else:
        loop = (" Here $s' = s$: the max reads the row as it is *before* this update." if s_next == s else "")
        steps.append(Step(
            "Best value of the next state",
            rf"$\max_{{a'}} Q(s', a') = \max({row}) = {tex.num(best)}$, taken by action "
            rf"{' or '.join(map(str, arg))} of row $s' = {s_next}$ — whichever action the agent actually "
            rf"takes next does not matter.{loop}"))
        steps.append(Step(
            "Target",
            rf"$y = r + \gamma \max_{{a'}} Q(s', a') = {tex.num(r)} + {tex.num(gamma)} \cdot "
            rf"{tex.num(best, paren=True)} = {tex.num(target)}$."))
    steps.append(Step(
        "TD error and update",
        rf"$\delta = y - Q(s, a) = {tex.num(target)} - {tex.num(old, paren=True)} = {tex.num(delta)}$, so "
        rf"$Q({s}, {a}) \leftarrow Q(s, a) + \alpha\,\delta = {tex.num(old)} + {tex.num(alpha)} \cdot "
        rf"{tex.num(delta, paren=True)} = {tex.num(new)}$ "
        r"(the same as $(1 - \alpha)\,Q(s, a) + \alpha\, y$)."))
    steps.append(Step(
        "Updated table",
        f"Only entry (row {s}, column {a}) changes: $Q = {tex.vec(table)}$."))
    steps.append(Step(
        "Convention",
        r"Q-learning is off-policy: the target uses the *greatest* value in the next state's row, not "
        r"the value of the action taken next (that would be SARSA). Common slips: using row $s$ instead "
        r"of row $s'$ for the max, bootstrapping from a terminal state, forgetting the factor $\alpha$ "
        r"(which would copy the target into the table), or counting states and actions from 1."))
    return tuple(steps)


# -- seeded variants -------------------------------------------------------------------

def draw(rng: random.Random) -> dict[str, Any]:
    states, actions = rng.randint(2, 4), rng.randint(2, 3)
    q = [[rng.randint(-2, 10) for _ in range(actions)] for _ in range(states)]
    s = rng.randrange(states)
    s_next = s if rng.random() < 0.15 else rng.choice([i for i in range(states) if i != s])
    params: dict[str, Any] = {
        "Q": q, "s": s, "a": rng.randrange(actions), "r": rng.randint(-5, 10), "s_next": s_next,
        "alpha": rng.choice([0.1, 0.1, 0.2, 0.25, 0.5]), "gamma": rng.choice([0.5, 0.8, 0.9, 0.9, 1]),
    }
    if rng.random() < 0.15:
        params["terminal"] = True
    return params

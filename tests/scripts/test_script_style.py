"""One import style and one output style across the scripts (SCRIPTS.md item 7; the rule is in
the README's contributor section), checked on the source of every script, and the RESULT line
under --json, checked by running every read script."""

from __future__ import annotations

import ast
import importlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

import auth
from run_waves import WRITE_WAVES, discover
from tests.conftest import ROOT, run_script

SCRIPTS = [s.path for s in discover()]
QUICKSTART = "00_quickstart/01_sign_and_send.py"  # by design imports nothing from auth/


def tree(script: str) -> ast.Module:
    return ast.parse((ROOT / script).read_text(), script)


def import_problems(script: str) -> list[str]:
    """Names auth exports are used as `auth.NAME` (`import auth`); other helpers come from their
    module (`from auth.fmt import table`). Never `from auth import ...`, never `import auth.x`."""
    problems = []
    for node in ast.walk(tree(script)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("auth.") or (alias.name == "auth" and alias.asname):
                    problems.append(f"line {node.lineno}: `import {alias.name}`: use `import auth`")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "auth":
            if node.module == "auth":
                names = ", ".join(a.name for a in node.names)
                problems.append(f"line {node.lineno}: `from auth import {names}`: use auth.NAME")
                continue
            assert node.module is not None
            module = importlib.import_module(node.module)
            for alias in node.names:
                if alias.asname:
                    problems.append(f"line {node.lineno}: `as {alias.asname}`: keep the name")
                if getattr(module, alias.name) is getattr(auth, alias.name, object()):
                    problems.append(
                        f"line {node.lineno}: `from {node.module} import {alias.name}`: "
                        f"auth exports it, use auth.{alias.name}"
                    )
    return problems


@pytest.mark.parametrize("script", SCRIPTS)
def test_one_import_style(script):
    if script == QUICKSTART:
        imported = [
            n
            for n in ast.walk(tree(script))
            if isinstance(n, ast.Import | ast.ImportFrom)
            and any((getattr(n, "module", None) or a.name).split(".")[0] == "auth" for a in n.names)
        ]
        assert not imported, "the quickstart signs by hand: no import from auth/"
        return
    assert import_problems(script) == []


def calls(module: ast.Module, name: str) -> list[int]:
    """Line numbers of calls to auth.<name>(...)."""
    return [
        n.lineno
        for n in ast.walk(module)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == name
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "auth"
    ]


def texts(module: ast.Module, words: str) -> list[int]:
    """Line numbers where `words` is printed: string literals (f-string parts included) that
    contain it, and uses of a module-level constant that holds it (NEXT = "Next: ...")."""
    constants = {
        target.id
        for node in module.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and words in node.value.value
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return [
        n.lineno
        for n in ast.walk(module)
        if (isinstance(n, ast.Constant) and isinstance(n.value, str) and words in n.value)
        or (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in constants)
    ]


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s != QUICKSTART])
def test_one_output_order(script):
    """Banner, then the output (tables through auth.fmt.table), then "What to notice", "Next:"
    and the RESULT line, in that order in the source; RESULT always through auth.result (stderr
    under --json), never a print."""
    module = tree(script)
    body = module.body[1:]  # past the docstring, which may mention "Next:"
    code = ast.Module(body=body, type_ignores=[])
    banner, results = calls(code, "banner"), calls(code, "result")
    notice, nexts = texts(code, "What to notice"), texts(code, "Next:")
    printed = texts(code, "RESULT:")
    assert banner, "no auth.banner(...)"
    assert results, "no auth.result(args, ...)"
    assert not printed, f"lines {printed}: RESULT printed by hand; use auth.result(args, ...)"
    assert notice, 'no "What to notice" footer'
    assert min(banner) < min(notice), "the banner comes first"
    last_result = max(results)
    assert max(notice) < last_result, '"What to notice" comes before the RESULT line'
    if nexts:  # the last script of the path has no Next:
        assert max(notice) <= max(nexts) < last_result, '"Next:" sits between notice and RESULT'
    rules = [  # a table's rule line drawn by hand: tables come from auth.fmt.table
        n.lineno
        for n in ast.walk(code)
        if isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.Mult)
        and any(isinstance(x, ast.Constant) and x.value in ("-", "=") for x in (n.left, n.right))
    ]
    assert not rules, f"lines {rules}: a hand-drawn table; use auth.fmt.table"


# ---- --json: stdout is JSON, stderr ends with the RESULT line ----------------------------------

READ_SCRIPTS = [s for s in discover(seconds=1, writes=False) if s.wave not in WRITE_WAVES]


@pytest.mark.timeout(600)  # ~50 scripts; minutes on a loaded 2-core machine
def test_every_read_script_prints_its_result_under_json(exchange):
    def run(script):
        result = run_script(script.path, *script.args, "--json", env=exchange.env, timeout=90)
        return script.path, result

    problems = []
    with ThreadPoolExecutor(4) as pool:
        for path, result in pool.map(run, READ_SCRIPTS):
            if result.code != 0:
                problems.append(f"{path}: {result}")
                continue
            out = result.out.strip()
            try:
                if out:
                    json.loads(out)
            except ValueError:
                # streams print one JSON document per message
                try:
                    [json.loads(line) for line in out.splitlines() if line.strip()]
                except ValueError:
                    problems.append(f"{path}: stdout is not JSON:\n{out[:300]}")
            last = (result.err.strip().splitlines() or [""])[-1]
            if not last.startswith("RESULT: "):
                problems.append(f"{path}: stderr ends with {last!r}, not a RESULT line")
    assert not problems, "\n\n".join(problems)

"""The engine's layout is its data flow: each stage imports only stages before it, nothing from
ComfyUI, and every module says in its first line what it holds."""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "pipelines"
STAGES = ("common", "speech", "mouth", "face", "motion", "render", "video", "report", "cli")
COMFY = ("comfy", "comfy_api", "comfy_extras", "folder_paths", "nodes", "server", "execution")


def _modules():
    return sorted(p for p in ENGINE.rglob("*.py") if p.parent != ENGINE)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, dotted name) of every import in a module, relative ones as written."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(0, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_the_folders_are_the_stages():
    assert sorted(p.name for p in ENGINE.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(STAGES)


def test_no_stage_imports_a_later_stage_or_comfyui():
    for path in _modules():
        stage = STAGES.index(path.parent.name)
        for level, name in _imports(path):
            if level == 0:
                assert name.split(".")[0] not in COMFY, (path, name)
            elif level == 2:  # from ..other_stage import ...
                assert STAGES.index(name.split(".")[0]) <= stage, f"{path.relative_to(ENGINE)} imports {name}"
            else:
                assert level == 1, (path, level, name)


def test_every_module_says_what_it_holds():
    for path in [*_modules(), ENGINE / "__init__.py", ENGINE / "__main__.py"]:
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc.splitlines()[0]) > 20, path

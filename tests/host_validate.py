"""Runs ComfyUI's own prompt validation on API-format workflows, without executing them.

Run by tests/test_comfy_host.py with the host's Python:
    python host_validate.py COMFYUI_DIR BASE_DIR WORKFLOW.json ...
It imports the host the way main.py does (arguments, paths, core and custom nodes), then calls
``execution.validate_prompt`` on each workflow and prints one JSON line per workflow:
``{"workflow": path, "valid": bool, "error": ..., "node_errors": ...}``. Needed for graphs
whose models are not here (a checkpoint): the server would execute what it validates.
"""
from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys


def main() -> None:
    comfy_dir, base_dir, *workflows = sys.argv[1:]
    sys.path.insert(0, comfy_dir)
    os.chdir(comfy_dir)
    sys.argv = [sys.argv[0], "--cpu", "--base-directory", base_dir]
    importlib.import_module("main")  # ComfyUI's main.py: applies the arguments and folder paths
    import execution
    import nodes

    asyncio.run(nodes.init_extra_nodes(init_custom_nodes=True, init_api_nodes=False))
    for path in workflows:
        with open(path, encoding="utf-8") as f:
            prompt = json.load(f)
        valid, error, _, node_errors = asyncio.run(execution.validate_prompt("validate", prompt, None))
        print(json.dumps({"workflow": path, "valid": valid, "error": error, "node_errors": node_errors}))


if __name__ == "__main__":
    main()

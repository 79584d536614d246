"""Writes each workflow in workflows/ twice from one graph description: ComfyUI UI format
(loads in the front end) and API format (for /prompt). Run: python tools/make_workflows.py"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_WIDGETS = {"LoadImage": [("image", "IMAGE_FILE"), ("upload", "UPLOAD")]}
CORE_OUTPUTS = {"LoadImage": [("IMAGE", "IMAGE"), ("MASK", "MASK")]}


def _folder_paths_stand_in() -> None:
    """Node definitions list model folders; outside ComfyUI those are empty (only 'joe' voices)."""
    import tempfile
    import types

    fp = types.ModuleType("folder_paths")
    fp.models_dir = tempfile.mkdtemp()
    fp.folder_names_and_paths = {}
    fp.add_model_folder_path = lambda name, path: fp.folder_names_and_paths.setdefault(name, ([path], set()))
    fp.get_folder_paths = lambda name: fp.folder_names_and_paths[name][0]
    sys.modules.setdefault("folder_paths", fp)


def load_pack():
    _folder_paths_stand_in()
    spec = importlib.util.spec_from_file_location("talking_photo", ROOT / "__init__.py",
                                                  submodule_search_locations=[str(ROOT)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["talking_photo"] = module
    spec.loader.exec_module(module)
    return module.NODE_CLASS_MAPPINGS


def node_io(node_type: str, classes: dict):
    """(link inputs, widget inputs, outputs) of a node type, in ComfyUI's order."""
    if node_type in CORE_WIDGETS:
        return [], CORE_WIDGETS[node_type], CORE_OUTPUTS[node_type]
    cls = classes[node_type]
    spec = cls.INPUT_TYPES()
    links, widgets = [], []
    for section in ("required", "optional"):
        for name, (kind, *opts) in spec.get(section, {}).items():
            is_widget = isinstance(kind, list) or kind in ("INT", "FLOAT", "STRING", "BOOLEAN")
            (widgets if is_widget else links).append((name, kind if not isinstance(kind, list) else "COMBO",
                                                       opts[0] if opts else {}))
    outputs = list(zip(cls.RETURN_NAMES, cls.RETURN_TYPES))
    return links, widgets, outputs


def build(name: str, graph: list[dict], classes: dict) -> tuple[dict, dict]:
    api, nodes, links = {}, [], []
    by_id = {n["id"]: n for n in graph}
    out_links: dict[tuple[int, int], list[int]] = {}
    for n in graph:
        for inp, (src, slot) in n.get("links", {}).items():
            link_id = len(links) + 1
            src_type = node_io(by_id[src]["type"], classes)[2][slot][1]
            dst_links = node_io(n["type"], classes)[0]
            dst_slot = [x[0] for x in dst_links].index(inp)
            links.append([link_id, src, slot, n["id"], dst_slot, src_type])
            out_links.setdefault((src, slot), []).append(link_id)
    for order, n in enumerate(graph):
        link_inputs, widgets, outputs = node_io(n["type"], classes)
        values = []
        for w in widgets:
            if w[0] == "upload":
                values.append("image")
                continue
            value = n["widgets"].get(w[0], w[2].get("default") if len(w) > 2 else None)
            values.append(value)
            if len(w) > 2 and w[2].get("control_after_generate"):
                values.append("fixed")
        connected = n.get("links", {})
        nodes.append({
            "id": n["id"], "type": n["type"], "pos": n["pos"], "size": [320, 60 + 26 * (len(widgets) + len(link_inputs))],
            "flags": {}, "order": order, "mode": 0,
            "inputs": [{"name": li[0], "type": li[1],
                        "link": next((l[0] for l in links if l[3] == n["id"] and l[4] == k), None)}
                       for k, li in enumerate(link_inputs)],
            "outputs": [{"name": o[0], "type": o[1], "links": out_links.get((n["id"], k), []), "slot_index": k}
                        for k, o in enumerate(outputs)],
            "properties": {"Node name for S&R": n["type"]},
            "widgets_values": values,
        })
        inputs = {w[0]: n["widgets"].get(w[0], w[2].get("default") if len(w) > 2 else None)
                  for w in widgets if w[0] != "upload"}
        inputs.update({k: [str(src), slot] for k, (src, slot) in connected.items()})
        api[str(n["id"])] = {"class_type": n["type"], "inputs": inputs, "_meta": {"title": n["type"]}}
    ui = {"last_node_id": max(by_id), "last_link_id": len(links), "nodes": nodes, "links": links,
          "groups": [], "config": {}, "extra": {"info": {"name": name}}, "version": 0.4}
    return ui, api


TEXT_TO_VIDEO = [
    {"id": 1, "type": "LoadImage", "pos": [0, 0], "widgets": {"image": "portrait.png"}},
    {"id": 2, "type": "TalkingPhotoLoadPortrait", "pos": [360, 0], "widgets": {}, "links": {"image": (1, 0)}},
    {"id": 3, "type": "TalkingPhotoTextToSpeech", "pos": [0, 360],
     "widgets": {"text": "Hello! I am a photo, and now I can talk. Every word you hear moves my lips."}},
    {"id": 4, "type": "TalkingPhotoAudioFeatures", "pos": [360, 360], "widgets": {},
     "links": {"audio": (3, 0), "timeline": (3, 1)}},
    {"id": 5, "type": "TalkingPhotoMotionGenerator", "pos": [720, 360], "widgets": {}, "links": {"features": (4, 0)}},
    {"id": 6, "type": "TalkingPhotoBlinkInjector", "pos": [1080, 360], "widgets": {},
     "links": {"motion": (5, 0), "features": (4, 0)}},
    {"id": 7, "type": "TalkingPhotoLipSync", "pos": [1080, 0], "widgets": {},
     "links": {"portrait": (2, 0), "features": (4, 0), "motion": (6, 0)}},
    {"id": 8, "type": "TalkingPhotoVideoCombine", "pos": [1440, 0], "widgets": {},
     "links": {"images": (7, 0), "audio": (3, 0)}},
]
WORKFLOWS = {"text_to_talking_video": TEXT_TO_VIDEO}


def main() -> None:
    classes = load_pack()
    for name, graph in WORKFLOWS.items():
        ui, api = build(name, graph, classes)
        (ROOT / "workflows" / f"{name}.json").write_text(json.dumps(ui, indent=1) + "\n")
        (ROOT / "workflows" / f"{name}.api.json").write_text(json.dumps(api, indent=1) + "\n")
        print("wrote", name)


if __name__ == "__main__":
    main()

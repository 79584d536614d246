"""Writes each shipped workflow twice from one graph description: ComfyUI's UI format in
``workflows/`` (the front end loads it; ComfyUI lists this folder in its template browser) and the
API format in ``workflows/api/`` (for ``POST /prompt``; a subfolder, so it is not listed twice).

Node definitions (widget order, sockets) come from a real host's ``/object_info``, so core nodes
are written exactly as that ComfyUI defines them. Usage, with the test host (``make host``) running:
    python tools/make_workflows.py http://127.0.0.1:8188/object_info
"""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET_TYPES = ("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO")
SD15 = "v1-5-pruned-emaonly-fp16.safetensors"
SD15_URL = ("https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/"
            f"{SD15}?download=true")


def inputs_of(definition: dict) -> list[tuple[str, str, dict, bool]]:
    """(name, type, options, optional) of every input, in the order the front end lays them out."""
    out = []
    for section in ("required", "optional"):
        for name, spec in definition["input"].get(section, {}).items():
            kind, options = spec[0], dict(spec[1] if len(spec) > 1 else {})
            choices = kind if isinstance(kind, list) else options.get("options")
            if choices and "default" not in options:
                options["default"] = choices[0]  # what the front end shows for a list without a default
            out.append((name, "COMBO" if isinstance(kind, list) else kind, options, section == "optional"))
    return out


def widget_values(definition: dict, values: dict) -> list:
    """``widgets_values`` as the front end saves them, extra widgets included: a seed's control right
    after it, an upload button after all the node's other widgets (the front end adds it last)."""
    out, uploads = [], []
    for name, kind, options, _ in inputs_of(definition):
        if kind not in WIDGET_TYPES:
            continue
        out.append(values.get(name, options.get("default")))
        if options.get("control_after_generate"):
            out.append("fixed")  # shipped workflows are reproducible
        if options.get("image_upload"):
            uploads.append("image")
        if options.get("audio_upload"):
            uploads.extend([None, None])
    return out + uploads


def build(name: str, graph: list[dict], defs: dict) -> tuple[dict, dict]:
    """UI and API documents of one graph: ``{"id", "type", "pos", "widgets", "links", "title"}``."""
    by_id = {n["id"]: n for n in graph}
    links, out_links = [], {}
    for n in graph:
        names = [i[0] for i in inputs_of(defs[n["type"]]) if i[1] not in WIDGET_TYPES]
        for inp, (src, slot) in n.get("links", {}).items():
            link_type = defs[by_id[src]["type"]]["output"][slot]
            links.append([len(links) + 1, src, slot, n["id"], names.index(inp), link_type])
            out_links.setdefault((src, slot), []).append(len(links))
    nodes, api = [], {}
    for order, n in enumerate(graph):
        d = defs[n["type"]]
        sockets = [i for i in inputs_of(d) if i[1] not in WIDGET_TYPES]
        ui_inputs = []
        for k, (inp, kind, _, optional) in enumerate(sockets):
            link = next((l[0] for l in links if l[3] == n["id"] and l[4] == k), None)
            ui_inputs.append({"name": inp, "type": kind, "link": link, **({"shape": 7} if optional else {})})
        n_widgets = sum(1 for i in inputs_of(d) if i[1] in WIDGET_TYPES)
        nodes.append({
            "id": n["id"], "type": n["type"], "pos": n["pos"],
            "size": n.get("size", [340, 70 + 26 * (n_widgets + len(sockets))]), "flags": {}, "order": order, "mode": 0,
            "inputs": ui_inputs,
            "outputs": [{"name": oname, "type": otype, "links": out_links.get((n["id"], k), []), "slot_index": k}
                        for k, (oname, otype) in enumerate(zip(d["output_name"], d["output"]))],
            "title": n.get("title", d["display_name"]),
            "properties": {"Node name for S&R": n["type"], **n.get("properties", {})},
            "widgets_values": widget_values(d, n.get("widgets", {})),
        })
        inputs = {i[0]: n.get("widgets", {}).get(i[0], i[2].get("default"))
                  for i in inputs_of(d) if i[1] in WIDGET_TYPES}
        inputs.update({k: [str(src), slot] for k, (src, slot) in n.get("links", {}).items()})
        api[str(n["id"])] = {"class_type": n["type"], "inputs": inputs,
                             "_meta": {"title": n.get("title", d["display_name"])}}
    ui = {"last_node_id": max(by_id), "last_link_id": len(links), "nodes": nodes, "links": links,
          "groups": [], "config": {}, "extra": {"info": {"name": name}}, "version": 0.4}
    return ui, api


SAY = "Hello! I am a photo, and now I can talk. Every word you hear moves my lips."


# Columns 380 px apart; the nodes that show pictures after a run (previews, Video Combine, Sync Report)
# are given the room their picture takes, so that nothing covers another node once it has run.
def _talking_tail(first_id: int, portrait: int, audio: tuple[int, int], features: int,
                  motion_widgets: dict | None = None, blink_widgets: dict | None = None) -> list[dict]:
    """MotionGenerator → BlinkInjector → LipSync → VideoCombine, shared by every workflow."""
    m, b, l, v = range(first_id, first_id + 4)
    return [
        {"id": m, "type": "TalkingPhotoMotionGenerator", "pos": [760, 0], "widgets": motion_widgets or {},
         "links": {"features": (features, 0)}},
        {"id": b, "type": "TalkingPhotoBlinkInjector", "pos": [760, 400], "widgets": blink_widgets or {},
         "links": {"motion": (m, 0), "features": (features, 0)}},
        {"id": l, "type": "TalkingPhotoLipSync", "pos": [1140, 0], "widgets": {},
         "links": {"portrait": (portrait, 0), "features": (features, 0), "motion": (b, 0)}},
        {"id": v, "type": "TalkingPhotoVideoCombine", "pos": [1520, 0], "size": [440, 820], "widgets": {},
         "links": {"images": (l, 0), "audio": audio, "features": (features, 0)}},
    ]


def _photo(first_id: int, links: dict | None = None) -> list[dict]:
    """Load Portrait (reading portrait.png from ComfyUI's input folder unless an IMAGE is linked)
    with its landmark preview below it."""
    widgets = {} if links else {"photo": "portrait.png"}
    return [
        {"id": first_id, "type": "TalkingPhotoLoadPortrait", "pos": [0, 0], "widgets": widgets, "links": links or {}},
        {"id": first_id + 1, "type": "PreviewImage", "pos": [0, 260], "size": [340, 420], "title": "Face landmarks",
         "links": {"images": (first_id, 1)}},
    ]


def _tts(node_id: int, text: str = SAY) -> dict:
    return {"id": node_id, "type": "TalkingPhotoTextToSpeech", "pos": [380, 0], "widgets": {"text": text}}


def _features(node_id: int, links: dict, widgets: dict | None = None) -> dict:
    return {"id": node_id, "type": "TalkingPhotoAudioFeatures", "pos": [380, 360], "links": links,
            "widgets": widgets or {}}


TEXT_TO_VIDEO = [
    *_photo(1), _tts(4), _features(5, {"audio": (4, 0), "timeline": (4, 1)}),
    *_talking_tail(6, portrait=1, audio=(4, 0), features=5),
]

RECORDING_TO_VIDEO = [
    *_photo(1),
    {"id": 4, "type": "LoadAudio", "pos": [380, 0], "widgets": {"audio": "speech.wav"}},
    _features(5, {"audio": (4, 0)}, {"transcript": ""}),
    *_talking_tail(6, portrait=1, audio=(4, 0), features=5),
]

IMAGE_GENERATION_TO_VIDEO = [
    {"id": 1, "type": "CheckpointLoaderSimple", "pos": [0, -760], "widgets": {"ckpt_name": SD15},
     "properties": {"models": [{"name": SD15, "url": SD15_URL, "directory": "checkpoints"}]}},
    {"id": 2, "type": "CLIPTextEncode", "pos": [380, -860], "title": "Portrait prompt",
     "widgets": {"text": "photo portrait of a friendly woman facing the camera, head and shoulders, "
                         "mouth closed, soft studio light, plain background"},
     "links": {"clip": (1, 1)}},
    {"id": 3, "type": "CLIPTextEncode", "pos": [380, -600], "title": "Negative prompt",
     "widgets": {"text": "profile, side view, sunglasses, hands on face, several people, blurry"},
     "links": {"clip": (1, 1)}},
    {"id": 4, "type": "EmptyLatentImage", "pos": [380, -320], "widgets": {"width": 512, "height": 640}},
    {"id": 5, "type": "KSampler", "pos": [760, -860], "widgets": {"seed": 7, "steps": 25, "cfg": 7.0},
     "links": {"model": (1, 0), "positive": (2, 0), "negative": (3, 0), "latent_image": (4, 0)}},
    {"id": 6, "type": "VAEDecode", "pos": [1140, -860], "links": {"samples": (5, 0), "vae": (1, 2)}},
    *_photo(7, links={"image": (6, 0)}),
    _tts(9), _features(10, {"audio": (9, 0), "timeline": (9, 1)}),
    *_talking_tail(11, portrait=7, audio=(9, 0), features=10),
]

MOTION_BLINK_TUNING = [
    *_photo(1), _tts(4, "Let me show you how I move. I nod when I speak, and I blink when I pause. Watch my eyes."),
    _features(5, {"audio": (4, 0), "timeline": (4, 1)}),
    *_talking_tail(6, portrait=1, audio=(4, 0), features=5,
                   motion_widgets={"style": "lively", "intensity": 1.3, "max_roll": 5.0},
                   blink_widgets={"rate_per_min": 20.0, "times": "1.0, 3.2", "asymmetry": 0.05}),
    {"id": 10, "type": "PreviewImage", "pos": [380, 720], "size": [740, 520], "title": "Head motion curves",
     "links": {"images": (6, 1)}},
    {"id": 11, "type": "TalkingPhotoSyncReport", "pos": [2000, 0], "size": [560, 820],
     "title": "Sync Report: measured mouth, blinks, head pose",
     "links": {"frames": (8, 0), "audio": (4, 0), "timeline": (4, 1), "portrait": (1, 0), "features": (5, 0)}},
]

LIVING_PORTRAIT = [
    *_photo(1),
    {"id": 4, "type": "TalkingPhotoSilence", "pos": [380, 0], "widgets": {"seconds": 8.0}},
    _features(5, {"audio": (4, 0), "timeline": (4, 1)}),
    *_talking_tail(6, portrait=1, audio=(4, 0), features=5, motion_widgets={"style": "calm"}),
]

# The file names are the template browser's card titles.
WORKFLOWS = {
    "Text to talking video": TEXT_TO_VIDEO,
    "Recording to talking video": RECORDING_TO_VIDEO,
    "Image generation to talking video": IMAGE_GENERATION_TO_VIDEO,
    "Motion and blink tuning": MOTION_BLINK_TUNING,
    "Living portrait without speech": LIVING_PORTRAIT,
}


def main(source: str) -> None:
    if source.startswith("http"):
        with urllib.request.urlopen(source) as response:
            defs = json.load(response)
    else:
        defs = json.loads(Path(source).read_text())
    (ROOT / "workflows" / "api").mkdir(parents=True, exist_ok=True)
    for name, graph in WORKFLOWS.items():
        ui, api = build(name, graph, defs)
        (ROOT / "workflows" / f"{name}.json").write_text(json.dumps(ui, indent=1) + "\n")
        (ROOT / "workflows" / "api" / f"{name}.json").write_text(json.dumps(api, indent=1) + "\n")
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8188/object_info")

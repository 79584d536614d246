"""ComfyUI adapters: each node converts ComfyUI types and calls one function of ``pipelines``."""
from .face import LoadPortrait
from .motion import BlinkInjector, MotionGenerator
from .mouth import AudioFeatures
from .render import LipSync
from .report import SyncReport
from .speech import TextToSpeech
from .video import VideoCombine

NODE_CLASSES = {
    "TalkingPhotoLoadPortrait": (LoadPortrait, "Load Portrait (Talking Photo)"),
    "TalkingPhotoTextToSpeech": (TextToSpeech, "Text to Speech (Talking Photo)"),
    "TalkingPhotoAudioFeatures": (AudioFeatures, "Audio Features (Talking Photo)"),
    "TalkingPhotoMotionGenerator": (MotionGenerator, "Motion Generator (Talking Photo)"),
    "TalkingPhotoBlinkInjector": (BlinkInjector, "Blink Injector (Talking Photo)"),
    "TalkingPhotoLipSync": (LipSync, "Lip Sync (Talking Photo)"),
    "TalkingPhotoVideoCombine": (VideoCombine, "Video Combine (Talking Photo)"),
    "TalkingPhotoSyncReport": (SyncReport, "Sync Report (Talking Photo)"),
}
NODE_CLASS_MAPPINGS = {key: cls for key, (cls, _) in NODE_CLASSES.items()}
NODE_DISPLAY_NAME_MAPPINGS = {key: name for key, (_, name) in NODE_CLASSES.items()}
